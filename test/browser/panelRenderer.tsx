/**
 * Grafana's PanelRenderer for the harness pages: Grafana's "timeseries" panel is core code, so
 * @grafana/ui's TimeSeries draws the same frames.
 */
import React from 'react';
import { applyFieldOverrides, type DataFrame } from '@grafana/data';
import { TimeSeries, useTheme2 } from '@grafana/ui';
// Not in @grafana/runtime's public exports; Grafana's shell calls it at start-up. Same module
// file as the package index imports, so the plugin sees what is set.
import { setPanelRenderer as setRenderer } from '../../node_modules/@grafana/runtime/dist/esm/components/PanelRenderer.mjs';

export const setPanelRenderer = (renderer: typeof HarnessPanelRenderer) => setRenderer(renderer as never);

export function HarnessPanelRenderer(props: {
  title?: string;
  pluginId: string;
  width: number;
  height: number;
  data?: { series: DataFrame[]; timeRange: any };
  fieldConfig?: { defaults: object; overrides: any[] };
}) {
  const t = useTheme2();
  const frames = applyFieldOverrides({
    data: props.data?.series ?? [],
    // The timeseries panel's own default: one palette colour per series.
    fieldConfig: {
      defaults: { color: { mode: 'palette-classic' }, ...props.fieldConfig?.defaults },
      overrides: props.fieldConfig?.overrides ?? [],
    },
    replaceVariables: (s: string) => s,
    theme: t,
    timeZone: 'utc',
  });
  const titleHeight = 24;
  return (
    <div>
      <div style={{ height: titleHeight, padding: t.spacing(0, 1), fontWeight: 500 }}>{props.title}</div>
      {frames.length > 0 ? (
        <TimeSeries
          frames={frames}
          width={props.width}
          height={props.height - titleHeight}
          timeRange={props.data!.timeRange}
          timeZone="utc"
          legend={{ showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } as any}
        />
      ) : null}
    </div>
  );
}
