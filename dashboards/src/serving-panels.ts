/**
 * The serving panels of the model overview, from the /predict exporter (docs/metrics.md,
 * "Serving"): request rate, p99 latency from the histogram's classic buckets, error ratio.
 * Requests refused before a version scored them carry no version label, so the request and
 * error queries also match the empty version (`|`): a bad-request storm shows whichever
 * version is selected.
 */
import type { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { PROMETHEUS, prometheus } from './datasources.ts';
import { openModelLink } from './links.ts';
import { greenWhenLow, timeseries } from './panels.ts';

const requests = 'modelwatch_prediction_requests_total{model="$model", version=~"$version|"}';
const errors = 'modelwatch_prediction_errors_total{model="$model", version=~"$version|"}';
const buckets = 'modelwatch_prediction_latency_seconds_bucket{model="$model", version=~"$version"}';

export const SERVING_QUERIES = {
  requestRate: `sum by (version, status) (rate(${requests}[5m]))`,
  p99: `histogram_quantile(0.99, sum(rate(${buckets}[5m])) by (le))`,
  p99ByVersion: `histogram_quantile(0.99, sum(rate(${buckets}[5m])) by (le, version))`,
  errorRatio: `sum(rate(${errors}[5m])) / sum(rate(${requests}[5m]))`,
} as const;

export function servingPanels(): Record<'requestRate' | 'p99' | 'errorRatio', TimeseriesPanelBuilder> {
  const requestRate = timeseries({
    title: 'Request rate',
    description: 'Predictions asked of /predict per second, by version and status (modelwatch_prediction_requests_total; one per instance).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', SERVING_QUERIES.requestRate, { legend: '{{version}} {{status}}' })],
    width: 8,
    height: 8,
  })
    .unit('reqps')
    .min(0)
    .links([openModelLink()]);

  const p99 = timeseries({
    title: 'p99 latency',
    description: 'histogram_quantile(0.99) over modelwatch_prediction_latency_seconds buckets (5 min), all selected versions and per version.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', SERVING_QUERIES.p99, { legend: 'p99' }), prometheus('B', SERVING_QUERIES.p99ByVersion, { legend: 'p99 {{version}}' })],
    width: 8,
    height: 8,
  })
    .unit('s')
    .min(0)
    .links([openModelLink()]);

  const errorRatio = timeseries({
    title: 'Error ratio',
    description: 'Failed predictions / predictions asked (5 min); modelwatch_prediction_errors_total by type tells validation, unavailable, model_error, non_finite and internal apart.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', SERVING_QUERIES.errorRatio, { legend: 'errors / requests' })],
    width: 8,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .thresholds(greenWhenLow(0.01, 0.05))
    .links([openModelLink()]);

  return { requestRate, p99, errorRatio };
}
