import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Action, ActionType, RetrainInput } from '@modelwatch/plugin-api';
import { keys } from './keys';

export interface ActionInput {
  type: ActionType;
  model: string;
  reason: string;
  /** promote: the version to promote; rollback: the version to return to. Empty: the backend's default. */
  version?: string;
  /** Empty: the model's default runner. */
  runner?: RetrainInput['runner'] | '';
  gpus?: number;
  /** rollback: step the champion's traffic down (mode "gradual", the backend's default steps) instead of at once. */
  gradual?: boolean;
  idempotencyKey?: string;
}

export function runAction(input: ActionInput): Promise<Action> {
  const { model, reason, version, idempotencyKey: key } = input;
  switch (input.type) {
    case 'promote':
      return api.promote(model, { reason, version: version || undefined }, key);
    case 'rollback':
      return api.rollback(model, { reason, toVersion: version || undefined, ...(input.gradual ? { mode: 'gradual' as const } : {}) }, key);
    case 'retrain':
      return api.retrain(model, { reason, runner: input.runner || undefined, gpus: input.gpus || undefined }, key);
  }
}

/** Promote, roll back or retrain; refreshes what the action changes. */
export function useModelAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: runAction,
    onSuccess: (_action, input) => {
      client.invalidateQueries({ queryKey: keys.model(input.model) });
      client.invalidateQueries({ queryKey: ['audit'] });
      client.invalidateQueries({ queryKey: keys.jobs });
    },
  });
}
