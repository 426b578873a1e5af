/**
 * Model overview: one model's health, KPIs (CTR, CVR, latency, errors, traffic), online quality
 * from labels (quality-panels.ts), data quality per feature (data-quality-panels.ts), the serving
 * exporter's request rate, p99 and error ratio, its audit trail
 * as annotations, links into the app, and Promote / Roll back actions on the health panel.
 */
import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
  type AnnotationQuery,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { BigValueColorMode, BigValueTextMode, ReduceDataOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { MODELWATCH, PROMETHEUS, modelKpi as kpi, modelwatch, prometheus } from './datasources.ts';
import { MODEL_PAGE_URL, modelActions, modelwatchDashboardsLink, openModelLink, urlDashboardLink, withoutPlacement } from './links.ts';
import { greenWhenHigh, greenWhenLow, stat, table, thresholds, timeseries } from './panels.ts';
import { servingPanels } from './serving-panels.ts';
import { qualityPanels } from './quality-panels.ts';
import { dataQualityPanels } from './data-quality-panels.ts';
import { modelVariable, versionVariable } from './variables.ts';

export const MODEL_OVERVIEW_UID = 'modelwatch-model-overview';

/** Audit entries of one type as annotations (the audit API filters by exact type). */
function auditAnnotation(name: string, auditType: string, color: string, enabled = true): cog.Builder<AnnotationQuery> {
  const builder = new AnnotationQueryBuilder()
    .name(name)
    .datasource({ ...MODELWATCH })
    .enable(enabled)
    .hide(false)
    .iconColor(color)
    .target(modelwatch({ refId: `audit-${auditType}`, queryType: 'audit', model: '$model', auditType }));
  return withoutPlacement(builder);
}

export function modelOverviewDashboard(): Dashboard {
  const healthScore = stat({
    title: 'Health score',
    description:
      'modelwatch_health_score (0–100 %). Promote challenger / Roll back are on the "Why" table.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', 'modelwatch_health_score{model="$model"}', { legend: '{{model}}' })],
    width: 6,
    height: 6,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .decimals(0)
    .thresholds(greenWhenHigh(0.5, 0.8))
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const healthStatus = stat({
    title: 'Status',
    description: 'ModelWatch health status (ok, degraded, failing), as the app shows it.',
    datasource: MODELWATCH,
    targets: [modelwatch({ refId: 'A', queryType: 'health', model: '$model' })],
    width: 4,
    height: 6,
  })
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).fields('/^status$/').values(false))
    .textMode(BigValueTextMode.Value)
    .colorMode(BigValueColorMode.Background)
    .links([openModelLink()]);

  // Actions live on a table: Grafana renders them only on the types in validate.ts ACTION_PANEL_TYPES.
  const healthReasons = table({
    title: 'Why',
    description: 'The reasons behind the health status, from ModelWatch. Click a cell for Promote challenger / Roll back (Admin; through the app’s plugin-proxy route).',
    datasource: MODELWATCH,
    targets: [modelwatch({ refId: 'A', queryType: 'health', model: '$model' })],
    width: 8,
    height: 6,
  })
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { model: true }, renameByName: { status: 'Status', reasons: 'Reasons' } },
    })
    .links([openModelLink()])
    .actions(modelActions());

  const throughput = stat({
    title: 'Predictions / s',
    description: 'Rate of modelwatch_predictions_total for the selected versions.',
    datasource: PROMETHEUS,
    targets: [
      prometheus('A', 'sum(rate(modelwatch_predictions_total{model="$model", version=~"$version"}[$__rate_interval]))', {
        legend: 'predictions/s',
      }),
    ],
    width: 6,
    height: 6,
  })
    .unit('reqps')
    .thresholds(thresholds([{ value: null, color: 'blue' }]))
    .links([openModelLink()]);

  const ctr = timeseries({
    title: 'CTR',
    description: 'Click-through rate per version and arm (ModelWatch KPI query).',
    datasource: MODELWATCH,
    targets: [kpi('A', 'ctr')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const cvr = timeseries({
    title: 'CVR',
    description: 'Conversion rate per version and arm (ModelWatch KPI query).',
    datasource: MODELWATCH,
    targets: [kpi('A', 'cvr')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const latency = timeseries({
    title: 'Latency p50 / p90 / p99',
    description: 'Serving latency quantiles per version and arm (ModelWatch KPI queries).',
    datasource: MODELWATCH,
    targets: [kpi('A', 'latency_p50'), kpi('B', 'latency_p90'), kpi('C', 'latency_p99')],
    width: 12,
    height: 8,
  })
    .unit('ms')
    .min(0)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const errorRate = timeseries({
    title: 'Error rate',
    description: 'Share of predictions that failed, per version and arm (ModelWatch KPI query).',
    datasource: MODELWATCH,
    targets: [kpi('A', 'error_rate')],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .thresholds(greenWhenLow(0.01, 0.05))
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const requests = timeseries({
    title: 'Requests',
    description: 'Predictions served per interval, per version and arm (ModelWatch KPI query).',
    datasource: MODELWATCH,
    targets: [kpi('A', 'requests')],
    width: 12,
    height: 8,
  })
    .unit('short')
    .min(0)
    .links([openModelLink()])
    .dataLinks([openModelLink()]);

  const vsBaseline = timeseries({
    title: 'KPI change vs baseline',
    description: 'modelwatch_kpi_relative_change: champion traffic’s KPI / baseline − 1.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', 'modelwatch_kpi_relative_change{model="$model"}', { legend: '{{kpi}}' })],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .links([openModelLink()]);

  const audit = table({
    title: 'Actions, alerts and changes',
    description: 'The audit log of the model in the time range (ModelWatch audit query).',
    datasource: MODELWATCH,
    targets: [modelwatch({ refId: 'A', queryType: 'audit', model: '$model' })],
    width: 24,
    height: 8,
  })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { tags: true, color: true, id: true, model: true },
        indexByName: { time: 0, type: 1, title: 2, status: 3, actor: 4, text: 5 },
        renameByName: { time: 'Time', type: 'Type', title: 'Change', status: 'Status', actor: 'By', text: 'Details' },
      },
    })
    .links([openModelLink()]);

  const { requestRate, p99, errorRatio } = servingPanels();
  const quality = qualityPanels();
  const dataQuality = dataQualityPanels();

  return new DashboardBuilder('ModelWatch · Model overview')
    .uid(MODEL_OVERVIEW_UID)
    .description('Health, KPIs and changes of one production model. Actions need the Admin role.')
    .tags(['modelwatch', 'mlops'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('1m')
    .withVariable(modelVariable())
    .withVariable(versionVariable())
    .annotation(auditAnnotation('Deployments', 'promote', 'green'))
    .annotation(auditAnnotation('Rollbacks', 'rollback', 'red'))
    .annotation(auditAnnotation('Retrains', 'retrain', 'purple'))
    .annotation(auditAnnotation('Alerts', 'alert.decision', 'orange'))
    .link(urlDashboardLink('Open ${model} in ModelWatch', MODEL_PAGE_URL))
    .link(modelwatchDashboardsLink())
    .withRow(new RowBuilder('Health'))
    .withPanel(healthScore)
    .withPanel(healthStatus)
    .withPanel(healthReasons)
    .withPanel(throughput)
    .withRow(new RowBuilder('KPIs'))
    .withPanel(ctr)
    .withPanel(cvr)
    .withPanel(latency)
    .withPanel(errorRate)
    .withPanel(requests)
    .withPanel(vsBaseline)
    .withRow(new RowBuilder('Online quality (labels)'))
    .withPanel(quality.classification)
    .withPanel(quality.ranking)
    .withPanel(quality.labels)
    .withPanel(quality.drop)
    .withPanel(quality.scoreDrift)
    .withRow(new RowBuilder('Data quality'))
    .withPanel(dataQuality.features)
    .withPanel(dataQuality.ratios)
    .withPanel(dataQuality.meanShift)
    .withPanel(dataQuality.freshness)
    .withPanel(dataQuality.missingOverTime)
    .withPanel(dataQuality.typeErrorsOverTime)
    .withRow(new RowBuilder('Serving (Prometheus)'))
    .withPanel(requestRate)
    .withPanel(p99)
    .withPanel(errorRatio)
    .withRow(new RowBuilder('Audit'))
    .withPanel(audit)
    .build();
}
