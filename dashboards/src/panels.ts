/** Small panel presets, so the dashboards read as a list of what they show. */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import {
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Threshold,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';

export interface PanelSpec {
  title: string;
  description: string;
  datasource: DataSourceRef;
  targets: cog.Builder<cog.Dataquery>[];
  /** Grid width (of 24) and height. */
  width: number;
  height: number;
}

export function thresholds(steps: Threshold[]): ThresholdsConfigBuilder {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

/** Green when high is good (health, chance to win). */
export const greenWhenHigh = (warn: number, ok: number) =>
  thresholds([
    { value: null, color: 'red' },
    { value: warn, color: 'orange' },
    { value: ok, color: 'green' },
  ]);

/** Green when low is good (drift, error rate). */
export const greenWhenLow = (warn: number, bad: number) =>
  thresholds([
    { value: null, color: 'green' },
    { value: warn, color: 'orange' },
    { value: bad, color: 'red' },
  ]);

export const byThresholds = () => new FieldColorBuilder().mode(FieldColorModeId.Thresholds);
export const fixedColor = (color: string) => ({ id: 'color', value: { mode: FieldColorModeId.Fixed, fixedColor: color } });

/** 0/1 flag → words and colours. */
export function flagMapping(zero: string, one: string): ValueMapping[] {
  return [
    {
      type: MappingType.ValueToText,
      options: { '0': { text: zero, color: 'green', index: 0 }, '1': { text: one, color: 'red', index: 1 } },
    },
  ];
}

export function stat(spec: PanelSpec): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource({ ...spec.datasource })
    .targets(spec.targets)
    .span(spec.width)
    .height(spec.height)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(BigValueGraphMode.Area)
    .colorMode(BigValueColorMode.Value)
    .textMode(BigValueTextMode.Auto)
    .colorScheme(byThresholds());
}

export function timeseries(spec: PanelSpec): TimeseriesPanelBuilder {
  return new TimeseriesPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource({ ...spec.datasource })
    .targets(spec.targets)
    .span(spec.width)
    .height(spec.height)
    .lineWidth(2)
    .fillOpacity(8)
    .spanNulls(false)
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.PaletteClassic))
    .legend(
      new VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .calcs([]),
    )
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending));
}

export function table(spec: PanelSpec): TablePanelBuilder {
  return new TablePanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource({ ...spec.datasource })
    .targets(spec.targets)
    .span(spec.width)
    .height(spec.height)
    .showHeader(true);
}
