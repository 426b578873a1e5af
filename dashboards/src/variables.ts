/** Template variables shared by the dashboards. */
import {
  QueryVariableBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { MODELWATCH, PROMETHEUS, type ModelWatchVariableQuery } from './datasources.ts';

/** Multi-value variables store their selection as arrays, as Grafana saves them. */
const ALL = { text: ['All'], value: ['$__all'] };

function modelwatchVariable(name: string, label: string, query: Omit<ModelWatchVariableQuery, 'refId'>): QueryVariableBuilder {
  const definition = query.model ? `${query.kind}(${query.model})` : query.kind;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource({ ...MODELWATCH })
    .query({ refId: `${name}-variable`, ...query })
    .definition(definition)
    .refresh(VariableRefresh.OnDashboardLoad);
}

/** `model`: the models registered in ModelWatch. */
export const modelVariable = (): QueryVariableBuilder =>
  modelwatchVariable('model', 'Model', { kind: 'models' }).sort(VariableSort.AlphabeticalAsc);

/**
 * `version`: the model's versions, several or all. The ModelWatch datasource sends them as a
 * comma-separated list (the API takes one); Prometheus matches them with `=~`. No custom "all"
 * value: ".*" would reach the ModelWatch API as a version name.
 */
export const versionVariable = (): QueryVariableBuilder =>
  modelwatchVariable('version', 'Version', { kind: 'versions', model: '$model' })
    .sort(VariableSort.NaturalDesc)
    .multi(true)
    .includeAll(true)
    .current(ALL);

/** `feature`: the model's input features, several or all. */
export const featureVariable = (): QueryVariableBuilder =>
  modelwatchVariable('feature', 'Feature', { kind: 'features', model: '$model' })
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .current(ALL);

/** `experiment`: ModelWatch experiments (text "id (model, metric)", value the id). */
export const experimentVariable = (): QueryVariableBuilder =>
  modelwatchVariable('experiment', 'Experiment', { kind: 'experiments' }).sort(VariableSort.AlphabeticalDesc);

/**
 * `metric`: the metrics the running experiment reports (from its Prometheus gauges). Empty for
 * a stopped experiment; the ModelWatch experiment queries then show its primary metric.
 */
export const experimentMetricVariable = (): QueryVariableBuilder =>
  new QueryVariableBuilder('metric')
    .label('Metric')
    .datasource({ ...PROMETHEUS })
    .query('label_values(modelwatch_experiment_p_value{experiment="$experiment"}, metric)')
    .definition('label_values(modelwatch_experiment_p_value{experiment="$experiment"}, metric)')
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc);
