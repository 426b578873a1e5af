/** data-testid values, in one place for unit and browser tests. */
export const testIds = {
  appConfig: {
    url: 'data-testid mw-app-url',
    apiToken: 'data-testid mw-app-api-token',
    editorToken: 'data-testid mw-app-editor-token',
    adminToken: 'data-testid mw-app-admin-token',
    submit: 'data-testid mw-app-config-submit',
  },
  models: {
    page: 'data-testid mw-models-page',
    table: 'data-testid mw-models-table',
  },
  model: {
    page: 'data-testid mw-model-page',
    kpiCharts: 'data-testid mw-kpi-charts',
    driftTable: 'data-testid mw-drift-table',
    dataQuality: 'data-testid mw-data-quality',
    versions: 'data-testid mw-versions-table',
    audit: 'data-testid mw-audit-timeline',
    retrainTriggers: 'data-testid mw-retrain-triggers',
  },
  actions: {
    promote: 'data-testid mw-action-promote',
    rollback: 'data-testid mw-action-rollback',
    retrain: 'data-testid mw-action-retrain',
    reason: 'data-testid mw-action-reason',
    version: 'data-testid mw-action-version',
    confirm: 'data-testid mw-action-confirm',
    summary: 'data-testid mw-action-summary',
    rollbackMode: 'data-testid mw-action-rollback-mode',
  },
  experiments: {
    page: 'data-testid mw-experiments-page',
    results: 'data-testid mw-experiment-results',
    srm: 'data-testid mw-experiment-srm',
    analysisUnit: 'data-testid mw-experiment-analysis-unit',
    stop: 'data-testid mw-experiment-stop',
  },
  jobs: {
    page: 'data-testid mw-jobs-page',
    progress: 'data-testid mw-job-progress',
    logs: 'data-testid mw-job-logs',
    cancel: 'data-testid mw-job-cancel',
  },
  policies: {
    page: 'data-testid mw-policies-page',
    editor: 'data-testid mw-policies-editor',
    save: 'data-testid mw-policies-save',
    pending: 'data-testid mw-pending-actions',
    incidents: 'data-testid mw-recent-alerts',
  },
};
