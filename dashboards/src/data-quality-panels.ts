/**
 * The data quality panels of the model overview (docs/concepts/data-quality.md): per feature
 * the rates, mean shift and flags over the dashboard's range (ModelWatch data quality query,
 * any range, from rollups), and the last hour's gauges the data quality rules watch
 * (Prometheus): the four ratios, the mean shift in reference σ, and the time since the last
 * prediction (ModelWatchNoTraffic).
 */
import type { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import type { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import type { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { MODELWATCH, PROMETHEUS, modelwatch, prometheus } from './datasources.ts';
import { openModelLink } from './links.ts';
import { greenWhenLow, stat, table, timeseries } from './panels.ts';

const SELECTOR = 'model="$model", version=~"$version"';

/** One per-window value of every feature of the dashboard's `$model` and `$version` (ModelWatch data quality query). */
const perWindow = (refId: string, dataQualityField: 'missingRate' | 'typeErrorRate') =>
  modelwatch({ refId, queryType: 'dataQuality', model: '$model', version: '$version', dataQualityField });

export function dataQualityPanels(): {
  features: TablePanelBuilder;
  ratios: TimeseriesPanelBuilder;
  meanShift: TimeseriesPanelBuilder;
  freshness: StatPanelBuilder;
  missingOverTime: TimeseriesPanelBuilder;
  typeErrorsOverTime: TimeseriesPanelBuilder;
} {
  const features = table({
    title: 'Data quality per feature',
    description:
      'Over the dashboard range, per version and feature (ModelWatch data quality query): missing, out-of-range (numeric), unseen-category (categorical) and type-error rates, the mean shift in reference σ, and what is flagged (on ≥ 100 records). The second frame: per version, records, the mean-vector distance and the last record.',
    datasource: MODELWATCH,
    targets: [modelwatch({ refId: 'A', queryType: 'dataQuality', model: '$model', version: '$version' })],
    width: 24,
    height: 9,
  }).dataLinks([openModelLink()]);

  const ratios = timeseries({
    title: 'Missing, out-of-range, unseen, type errors (last hour)',
    description:
      'modelwatch_feature_{missing,out_of_range,unseen,type_error}_ratio per feature over the last hour. The data quality rules fire above 10%, 5%, 5% and 1% on ≥ 100 records.',
    datasource: PROMETHEUS,
    targets: [
      prometheus('A', `modelwatch_feature_missing_ratio{${SELECTOR}}`, { legend: 'missing {{feature}} {{version}}' }),
      prometheus('B', `modelwatch_feature_out_of_range_ratio{${SELECTOR}}`, { legend: 'out of range {{feature}} {{version}}' }),
      prometheus('C', `modelwatch_feature_unseen_ratio{${SELECTOR}}`, { legend: 'unseen {{feature}} {{version}}' }),
      prometheus('D', `modelwatch_feature_type_error_ratio{${SELECTOR}}`, { legend: 'type errors {{feature}} {{version}}' }),
    ],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .thresholds(greenWhenLow(0.01, 0.05))
    .links([openModelLink()]);

  const meanShift = timeseries({
    title: 'Mean shift (reference σ)',
    description:
      'modelwatch_feature_mean_shift_sigmas: |mean of the last hour − reference mean| / reference std per numeric feature. ModelWatchFeatureMeanShift fires above 3 on ≥ 100 records.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_feature_mean_shift_sigmas{${SELECTOR}}`, { legend: '{{feature}} {{version}}' })],
    width: 6,
    height: 8,
  })
    .min(0)
    .thresholds(greenWhenLow(2, 3));

  const freshness = stat({
    title: 'Since the last prediction',
    description:
      'modelwatch_ingest_seconds_since_last_record: from the end of the minute of the newest prediction (minute resolution). ModelWatchNoTraffic fires past 15 minutes.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', 'max(modelwatch_ingest_seconds_since_last_record{model="$model"})', { legend: 'since last record' })],
    width: 6,
    height: 8,
  })
    .unit('s')
    .thresholds(greenWhenLow(300, 900));

  const missingOverTime = timeseries({
    title: 'Missing values per feature',
    description: 'Missing rate per feature and window over the dashboard range (ModelWatch data quality query, from rollups; any range, one point per interval).',
    datasource: MODELWATCH,
    targets: [perWindow('A', 'missingRate')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .links([openModelLink()]);

  const typeErrorsOverTime = timeseries({
    title: 'Type errors per feature',
    description: 'Type-error rate per feature and window (values of the wrong type: rejected at ingest, or counted as missing), ModelWatch data quality query.',
    datasource: MODELWATCH,
    targets: [perWindow('A', 'typeErrorRate')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .links([openModelLink()]);

  return { features, ratios, meanShift, freshness, missingOverTime, typeErrorsOverTime };
}
