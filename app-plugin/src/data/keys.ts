/** React Query keys: one place, so mutations invalidate exactly what they change. */
export const keys = {
  models: ['models'] as const,
  model: (name: string) => ['models', name] as const,
  versions: (name: string) => ['models', name, 'versions'] as const,
  aliases: (name: string) => ['models', name, 'aliases'] as const,
  health: (name: string) => ['models', name, 'health'] as const,
  retrainTriggers: (name: string) => ['models', name, 'retrain-triggers'] as const,
  kpis: (name: string, from: number, to: number) => ['models', name, 'kpis', from, to] as const,
  drift: (name: string, from: number, to: number) => ['models', name, 'drift', from, to] as const,
  audit: (name?: string) => ['audit', name ?? ''] as const,
  experiments: ['experiments'] as const,
  experimentResults: (id: string) => ['experiments', id, 'results'] as const,
  jobs: ['jobs'] as const,
  jobLogs: (id: string) => ['jobs', id, 'logs'] as const,
  policies: ['policies'] as const,
  pendingActions: ['policies', 'pending'] as const,
  incidents: ['incidents'] as const,
};
