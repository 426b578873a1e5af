/**
 * Drift: the dataset verdict and drift share (Prometheus), how many features drifted, and per
 * feature the scores and verdicts over time (ModelWatch drift queries).
 */
import { DashboardBuilder, DashboardCursorSync, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { FieldColorBuilder, FieldColorModeId } from '@grafana/grafana-foundation-sdk/dashboard';
import { BigValueColorMode, BigValueGraphMode, TableCellDisplayMode, VisibilityMode } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as StatusHistoryPanelBuilder } from '@grafana/grafana-foundation-sdk/statushistory';
import { MODELWATCH, PROMETHEUS, modelwatch, prometheus, type ModelWatchQuery } from './datasources.ts';
import { MODEL_PAGE_URL, modelwatchDashboardsLink, openModelLink, urlDashboardLink } from './links.ts';
import { flagMapping, greenWhenLow, stat, table, thresholds, timeseries, type PanelSpec } from './panels.ts';
import { featureVariable, modelVariable, versionVariable } from './variables.ts';

export const DRIFT_UID = 'modelwatch-drift';

const SELECTOR = 'model="$model", version=~"$version"';

/** Per-feature drift of the selected versions; the backend picks the method per feature. */
const featureDrift = (refId: string, driftField: NonNullable<ModelWatchQuery['driftField']>) =>
  modelwatch({ refId, queryType: 'drift', model: '$model', version: '$version', features: ['$feature'], driftField });

function statusHistory(spec: PanelSpec): StatusHistoryPanelBuilder {
  return new StatusHistoryPanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource({ ...spec.datasource })
    .targets(spec.targets)
    .span(spec.width)
    .height(spec.height)
    .showValue(VisibilityMode.Never)
    .rowHeight(0.9)
    .colWidth(0.9);
}

export function driftDashboard(): Dashboard {
  const datasetDrifted = stat({
    title: 'Dataset drifted',
    description: 'modelwatch_dataset_drifted: whether the dataset counts as drifted (any selected version).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `max(modelwatch_dataset_drifted{${SELECTOR}})`, { legend: 'dataset' })],
    width: 6,
    height: 5,
  })
    .mappings(flagMapping('stable', 'drifted'))
    .thresholds(thresholds([{ value: null, color: 'green' }, { value: 1, color: 'red' }]))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .links([openModelLink()]);

  const driftShareNow = stat({
    title: 'Drift share',
    description: 'modelwatch_dataset_drift_share: share of features that drifted (highest of the selected versions).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `max(modelwatch_dataset_drift_share{${SELECTOR}})`, { legend: 'drift share' })],
    width: 6,
    height: 5,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .thresholds(greenWhenLow(0.2, 0.5));

  const driftedFeatures = stat({
    title: 'Drifted features',
    description: 'Count of features with modelwatch_feature_drifted = 1 (per version, summed).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `sum(modelwatch_feature_drifted{${SELECTOR}, feature=~"$feature"})`, { legend: 'drifted' })],
    width: 6,
    height: 5,
  })
    .decimals(0)
    .thresholds(greenWhenLow(1, 3));

  const monitoredFeatures = stat({
    title: 'Features monitored',
    description: 'Count of (version, feature) pairs with a drift verdict.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `count(modelwatch_feature_drifted{${SELECTOR}, feature=~"$feature"})`, { legend: 'features' })],
    width: 6,
    height: 5,
  })
    .decimals(0)
    .thresholds(thresholds([{ value: null, color: 'blue' }]));

  const driftShare = timeseries({
    title: 'Dataset drift share over time',
    description: 'modelwatch_dataset_drift_share per version.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_dataset_drift_share{${SELECTOR}}`, { legend: '{{version}}' })],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .links([openModelLink()]);

  const driftedOverTime = timeseries({
    title: 'Drifted features over time',
    description: 'Number of drifted features per version (sum of modelwatch_feature_drifted).',
    datasource: PROMETHEUS,
    targets: [
      prometheus('A', `sum by (version) (modelwatch_feature_drifted{${SELECTOR}, feature=~"$feature"})`, { legend: '{{version}}' }),
    ],
    width: 12,
    height: 8,
  })
    .decimals(0)
    .min(0);

  const featureTable = table({
    title: 'Feature drift scores',
    description:
      'Per feature: its drift score over the range (sparkline, latest value) from the ModelWatch drift query; method chosen per feature by the backend.',
    datasource: MODELWATCH,
    targets: [featureDrift('A', 'score')],
    width: 12,
    height: 10,
  })
    .withTransformation({ id: 'timeSeriesTable', options: { A: { stat: 'lastNotNull' } } })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { model: true },
        renameByName: { version: 'Version', feature: 'Feature', method: 'Method', 'Trend #A': 'Score (latest)' },
      },
    })
    .overrideByFieldType('frame', [{ id: 'custom.cellOptions', value: { type: TableCellDisplayMode.Sparkline } }])
    .dataLinks([openModelLink()]);

  const verdicts = statusHistory({
    title: 'Drift verdict per feature',
    description: 'Per feature and window: drifted (red) or stable (green), from the ModelWatch drift query.',
    datasource: MODELWATCH,
    targets: [featureDrift('A', 'drifted')],
    width: 12,
    height: 10,
  })
    .mappings(flagMapping('stable', 'drifted'))
    .links([openModelLink()]);

  const scoreHeatmap = statusHistory({
    title: 'Drift score per feature (heatmap)',
    description: 'Per feature and window: the drift score, coloured green (low) to red (high).',
    datasource: MODELWATCH,
    targets: [featureDrift('A', 'score')],
    width: 12,
    height: 10,
  })
    .colorScheme(new FieldColorBuilder().mode(FieldColorModeId.ContinuousGrYlRd))
    .min(0)
    .decimals(3);

  const scoreSeries = timeseries({
    title: 'Feature drift scores (Prometheus)',
    description: 'modelwatch_feature_drift_score per feature, method and version.',
    datasource: PROMETHEUS,
    targets: [
      prometheus('A', `modelwatch_feature_drift_score{${SELECTOR}, feature=~"$feature"}`, {
        legend: '{{feature}} ({{method}}) {{version}}',
      }),
    ],
    width: 12,
    height: 10,
  }).min(0);

  return new DashboardBuilder('ModelWatch · Drift')
    .uid(DRIFT_UID)
    .description('Data drift of one model: dataset verdict, drift share and per-feature scores.')
    .tags(['modelwatch', 'mlops', 'drift'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-24h', to: 'now' })
    .refresh('5m')
    .withVariable(modelVariable())
    .withVariable(versionVariable())
    .withVariable(featureVariable())
    .link(urlDashboardLink('Open ${model} in ModelWatch', MODEL_PAGE_URL))
    .link(modelwatchDashboardsLink())
    .withRow(new RowBuilder('Dataset'))
    .withPanel(datasetDrifted)
    .withPanel(driftShareNow)
    .withPanel(driftedFeatures)
    .withPanel(monitoredFeatures)
    .withPanel(driftShare)
    .withPanel(driftedOverTime)
    .withRow(new RowBuilder('Features'))
    .withPanel(featureTable)
    .withPanel(verdicts)
    .withPanel(scoreHeatmap)
    .withPanel(scoreSeries)
    .build();
}
