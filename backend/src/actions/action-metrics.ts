import { Counter, type Registry } from 'prom-client';

export type ActionCounter = Counter<'model' | 'type' | 'status'>;

/** modelwatch_actions_total: each action counted once, by its final status. */
export function createActionCounter(prometheus: Registry): ActionCounter {
  return new Counter({
    name: 'modelwatch_actions_total',
    help: 'Actions (promote, rollback, retrain, ...) by model, type and final status (counted when they end).',
    labelNames: ['model', 'type', 'status'] as const,
    registers: [prometheus],
  });
}
