export const testIds = {
  configEditor: {
    url: 'data-testid mw-ds-url',
    apiToken: 'data-testid mw-ds-api-token',
  },
  queryEditor: {
    queryType: 'data-testid mw-query-type',
    model: 'data-testid mw-query-model',
    version: 'data-testid mw-query-version',
    arm: 'data-testid mw-query-arm',
    kpi: 'data-testid mw-query-kpi',
    features: 'data-testid mw-query-features',
    method: 'data-testid mw-query-method',
    driftField: 'data-testid mw-query-drift-field',
    dataQualityField: 'data-testid mw-query-data-quality-field',
    experiment: 'data-testid mw-query-experiment',
    metric: 'data-testid mw-query-metric',
    experimentField: 'data-testid mw-query-experiment-field',
    jobStatus: 'data-testid mw-query-job-status',
    auditType: 'data-testid mw-query-audit-type',
  },
  variableEditor: {
    kind: 'data-testid mw-var-kind',
    model: 'data-testid mw-var-model',
    experiment: 'data-testid mw-var-experiment',
  },
};
