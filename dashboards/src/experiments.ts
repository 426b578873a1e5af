/**
 * Experiments: for one A/B experiment, the recommendation, sample-ratio check, and per arm the
 * lift with its interval, p-value and chance to win (ModelWatch results table), plus their
 * history from the Prometheus gauges of running experiments.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  RowBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
} from '@grafana/grafana-foundation-sdk/common';
import { MODELWATCH, PROMETHEUS, modelwatch, prometheus, type ModelWatchQuery } from './datasources.ts';
import { APP_BASE, EXPERIMENTS_PAGE_URL, dataLink, modelwatchDashboardsLink, urlDashboardLink } from './links.ts';
import { fixedColor, greenWhenHigh, stat, table, thresholds, timeseries } from './panels.ts';
import { experimentMetricVariable, experimentVariable } from './variables.ts';

export const EXPERIMENTS_UID = 'modelwatch-experiments';

const EXPERIMENT = 'experiment="$experiment"';
const ARM_SERIES = `${EXPERIMENT}, metric="$metric"`;

/** Recommendation → colour (the labels of modelwatch_experiment_decision). */
const DECISION_COLORS = { promote: 'green', rollback: 'red', keep_running: 'blue', inconclusive: 'orange' } as const;

const results = (refId: string, experimentField: NonNullable<ModelWatchQuery['experimentField']>) =>
  modelwatch({ refId, queryType: 'experiment', experimentId: '$experiment', metric: '$metric', experimentField });

/** Prometheus series carry the model label: link to its page in the app. */
const modelOfSeriesLink = () => dataLink('Open ${__field.labels.model} in ModelWatch', `${APP_BASE}/models/\${__field.labels.model}`);
const experimentsPageLink = () => dataLink('Experiments in ModelWatch', EXPERIMENTS_PAGE_URL);

/** Thresholds drawn as a dashed line (the significance level on p-value charts). */
const dashedLine = () => new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed);

export function experimentsDashboard(): Dashboard {
  const decision = stat({
    title: 'Recommendation',
    description: 'The current recommendation (modelwatch_experiment_decision = 1): promote, rollback, keep_running or inconclusive.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_decision{${EXPERIMENT}} == 1`, { legend: '{{decision}}', instant: true })],
    width: 6,
    height: 5,
  })
    .textMode(BigValueTextMode.Name)
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.None)
    .noValue('not running')
    .links([experimentsPageLink()])
    .dataLinks([modelOfSeriesLink()]);
  for (const [name, color] of Object.entries(DECISION_COLORS)) decision.overrideByName(name, [fixedColor(color)]);

  const srm = stat({
    title: 'SRM p-value',
    description: 'Sample-ratio-mismatch test of requests per arm against the weights. Below 0.001 the split is broken: do not trust the results.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_srm_p_value{${EXPERIMENT}}`, { legend: 'SRM p-value' })],
    width: 6,
    height: 5,
  })
    .decimals(4)
    .min(0)
    .max(1)
    .thresholds(thresholds([{ value: null, color: 'red' }, { value: 0.001, color: 'green' }]));

  const pValue = stat({
    title: 'Lowest p-value',
    description: 'Smallest p-value of the treatment arms vs control on the metric (always-valid when sequential).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `min(modelwatch_experiment_p_value{${ARM_SERIES}})`, { legend: 'p-value' })],
    width: 6,
    height: 5,
  })
    .decimals(4)
    .min(0)
    .max(1)
    .thresholds(thresholds([{ value: null, color: 'green' }, { value: 0.05, color: 'text' }]));

  const chanceToWin = stat({
    title: 'Best chance to win',
    description: 'Highest Bayesian chance that a treatment arm beats control on the metric.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `max(modelwatch_experiment_chance_to_win{${ARM_SERIES}})`, { legend: 'chance to win' })],
    width: 6,
    height: 5,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .thresholds(greenWhenHigh(0.5, 0.95));

  const resultsTable = table({
    title: 'Results per arm',
    description:
      'ModelWatch experiment results for the metric (primary when none is chosen): units, mean, lift vs control with its confidence interval, p-value and chance to win.',
    datasource: MODELWATCH,
    targets: [results('A', 'ci'), results('B', 'pValue'), results('C', 'chanceToWin')],
    width: 24,
    height: 7,
  })
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: { renameByName: { arm: 'Arm', version: 'Version' } },
    })
    .links([experimentsPageLink()]);

  const liftOverTime = timeseries({
    title: 'Lift vs control',
    description: 'modelwatch_experiment_lift per treatment arm (treatment / control − 1).',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_lift{${ARM_SERIES}}`, { legend: '{{arm}}' })],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .dataLinks([modelOfSeriesLink()]);

  const pValueOverTime = timeseries({
    title: 'p-value',
    description: 'modelwatch_experiment_p_value per treatment arm; the dashed line is 0.05.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_p_value{${ARM_SERIES}}`, { legend: '{{arm}}' })],
    width: 12,
    height: 8,
  })
    .min(0)
    .max(1)
    .decimals(3)
    .thresholds(thresholds([{ value: null, color: 'transparent' }, { value: 0.05, color: 'red' }]))
    .thresholdsStyle(dashedLine())
    .dataLinks([modelOfSeriesLink()]);

  const chanceOverTime = timeseries({
    title: 'Chance to win',
    description: 'modelwatch_experiment_chance_to_win per treatment arm.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_chance_to_win{${ARM_SERIES}}`, { legend: '{{arm}}' })],
    width: 12,
    height: 8,
  })
    .unit('percentunit')
    .min(0)
    .max(1)
    .dataLinks([modelOfSeriesLink()]);

  const srmOverTime = timeseries({
    title: 'SRM p-value over time',
    description: 'modelwatch_experiment_srm_p_value; the dashed line is 0.001.',
    datasource: PROMETHEUS,
    targets: [prometheus('A', `modelwatch_experiment_srm_p_value{${EXPERIMENT}}`, { legend: 'SRM p-value' })],
    width: 12,
    height: 8,
  })
    .min(0)
    .max(1)
    .decimals(4)
    .thresholds(thresholds([{ value: null, color: 'transparent' }, { value: 0.001, color: 'red' }]))
    .thresholdsStyle(dashedLine())
    .dataLinks([modelOfSeriesLink()]);

  return new DashboardBuilder('ModelWatch · Experiments')
    .uid(EXPERIMENTS_UID)
    .description('One A/B experiment: recommendation, SRM check, lift with interval, p-value and chance to win.')
    .tags(['modelwatch', 'mlops', 'experiments'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-24h', to: 'now' })
    .refresh('1m')
    .withVariable(experimentVariable())
    .withVariable(experimentMetricVariable())
    .link(urlDashboardLink('Experiments in ModelWatch', EXPERIMENTS_PAGE_URL))
    .link(modelwatchDashboardsLink())
    .withRow(new RowBuilder('Decision'))
    .withPanel(decision)
    .withPanel(srm)
    .withPanel(pValue)
    .withPanel(chanceToWin)
    .withRow(new RowBuilder('Results'))
    .withPanel(resultsTable)
    .withRow(new RowBuilder('Over time (running experiments)'))
    .withPanel(liftOverTime)
    .withPanel(pValueOverTime)
    .withPanel(chanceOverTime)
    .withPanel(srmOverTime)
    .build();
}
