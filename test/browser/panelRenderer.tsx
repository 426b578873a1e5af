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
  const titleHeight = 24;
  return (
    <div>
      <div style={{ height: titleHeight, padding: t.spacing(0, 1), fontWeight: 500 }}>{props.title}</div>
      <SeriesChart series={props.data?.series ?? []} timeRange={props.data?.timeRange} fieldConfig={props.fieldConfig} width={props.width} height={props.height - titleHeight} />
    </div>
  );
}

/**
 * The panel's field defaults put on every field: a bare @grafana/data has no field-option registry
 * for applyFieldOverrides to copy them with (Grafana's has), and the display processor (colours,
 * units) it builds reads the field's config.
 */
export function withDefaults(series: DataFrame[], defaults: object): DataFrame[] {
  return series.map((frame) => ({ ...frame, fields: frame.fields.map((field) => ({ ...field, config: { ...defaults, ...field.config } })) }));
}

/** The frames as the timeseries panel draws them (also the body of the loader's dashboard panels). */
export function SeriesChart(props: { series: DataFrame[]; timeRange: any; fieldConfig?: { defaults: object; overrides: any[] }; width: number; height: number }) {
  const t = useTheme2();
  // The timeseries panel's own default: one palette colour per series.
  const defaults = { color: { mode: 'palette-classic' }, ...props.fieldConfig?.defaults };
  const frames = applyFieldOverrides({
    data: withDefaults(props.series, defaults),
    fieldConfig: { defaults, overrides: props.fieldConfig?.overrides ?? [] },
    replaceVariables: (s: string) => s,
    theme: t,
    timeZone: 'utc',
  });
  if (frames.length === 0) return null;
  return (
    <TimeSeries
      frames={frames}
      width={props.width}
      height={props.height}
      timeRange={props.timeRange}
      timeZone="utc"
      legend={{ showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] } as any}
    />
  );
}
