/**
 * The online-quality panels of the model overview (docs/concepts.md, "Online quality"): the
 * quality KPIs from labels per version and arm (ModelWatch KPI queries, any range), and the
 * AUC drop against the reference that the ModelWatchQualityDrop rule watches, and the score
 * drift ModelWatchScoreDrift watches (Prometheus).
 */
import type { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { MODELWATCH, PROMETHEUS, modelKpi, prometheus } from './datasources.ts';
import { openModelLink } from './links.ts';
import { greenWhenLow, timeseries } from './panels.ts';

export function qualityPanels(): Record<'classification' | 'ranking' | 'labels' | 'drop' | 'scoreDrift', TimeseriesPanelBuilder> {
  const classification = timeseries({
    title: 'Accuracy, precision, recall, F1',
    description: 'At each version’s decision threshold (settings.quality, default 0.5), per version and arm, from labelled predictions (ModelWatch KPI queries; exact, from the label histograms).',
    datasource: MODELWATCH,
    targets: [modelKpi('A', 'accuracy'), modelKpi('B', 'precision'), modelKpi('C', 'recall'), modelKpi('D', 'f1')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const ranking = timeseries({
    title: 'AUC and log loss',
    description: 'ROC AUC and log loss of labelled predictions per version and arm, from 50-bin score histograms (ModelWatch KPI queries).',
    datasource: MODELWATCH,
    targets: [modelKpi('A', 'auc'), modelKpi('B', 'log_loss')],
    width: 12,
    height: 8,
  })
    .min(0)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const labels = timeseries({
    title: 'Label coverage and calibration error',
    description: 'Share of predictions with a label, and the expected calibration error (|observed − predicted positive rate| over score bins).',
    datasource: MODELWATCH,
    targets: [modelKpi('A', 'label_coverage'), modelKpi('B', 'calibration_error')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .links([openModelLink()]);

  const drop = timeseries({
    title: 'AUC drop vs reference',
    description: 'modelwatch_quality_drop{kpi="auc"}: AUC of the 24 hours before the last hour minus the last hour’s. ModelWatchQualityDrop fires above 0.05 when significant and on ≥ 200 labels per window.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', 'modelwatch_quality_drop{model="$model", version=~"$version", kpi="auc"}', { legend: '{{version}} {{arm}}' })],
    width: 12,
    height: 8,
  })
    .thresholds(greenWhenLow(0.02, 0.05))
    .links([openModelLink()]);

  const scoreDrift = timeseries({
    title: 'Score drift (PSI) vs the previous 24 h',
    description: 'modelwatch_score_drift{method="psi"}: the last hour’s score distribution against the 24 hours before. ModelWatchScoreDrift warns above 0.2 on ≥ 1,000 scored predictions per window.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', 'modelwatch_score_drift{model="$model", version=~"$version", method="psi"}', { legend: '{{version}} {{arm}}' })],
    width: 24,
    height: 8,
  })
    .min(0)
    .thresholds(greenWhenLow(0.1, 0.2))
    .links([openModelLink()]);

  return { classification, ranking, labels, drop, scoreDrift };
}
