import React, { useMemo } from 'react';
import { FieldSparkline, FieldType, ThresholdsMode } from '@grafana/data';
import { Sparkline, useTheme2 } from '@grafana/ui';

interface Props {
  times: number[];
  values: number[];
  /** Score above which the feature counts as drifted, drawn as a threshold colour. */
  threshold?: number;
  width?: number;
  height?: number;
}

function valueRange(values: number[]): { min: number; max: number; delta: number } {
  const finite = values.filter(Number.isFinite);
  const min = finite.length ? Math.min(...finite) : 0;
  const max = finite.length ? Math.max(...finite) : 0;
  return { min, max, delta: max - min };
}

export function sparklineFields(times: number[], values: number[]): FieldSparkline {
  return {
    x: { name: 'time', type: FieldType.time, values: times, config: {} },
    // Sparkline reads the y range from field state (Grafana fills it for panels; here we must).
    y: { name: 'score', type: FieldType.number, values, config: {}, state: { range: valueRange(values) } },
  };
}

/** A small chart of a feature's drift score over time. */
export function FeatureSparkline({ times, values, threshold, width = 160, height = 28 }: Props) {
  const theme = useTheme2();
  const sparkline = useMemo(() => sparklineFields(times, values), [times, values]);
  const config = useMemo(
    () => ({
      color: { mode: 'thresholds' },
      thresholds: {
        mode: ThresholdsMode.Absolute,
        steps: [
          { value: -Infinity, color: 'green' },
          ...(threshold !== undefined ? [{ value: threshold, color: 'red' }] : []),
        ],
      },
      custom: { lineWidth: 1, fillOpacity: 20 },
    }),
    [threshold]
  );
  if (values.length < 2) {
    return null;
  }
  return <Sparkline width={width} height={height} sparkline={sparkline} config={config} theme={theme} />;
}
