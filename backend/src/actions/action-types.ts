import { z } from 'zod';
import { reasonSchema } from '../core/schemas.ts';
import { versionNameSchema } from '../registry/version-schemas.ts';

export const actionStatuses = ['running', 'succeeded', 'failed'] as const;
export type ActionStatus = (typeof actionStatuses)[number];

/** The action shape of docs/api.md, plus updatedAt and details (deployment hook outcome, canary steps, error). */
export const actionSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.enum(actionStatuses),
    model: z.string(),
    fromVersion: z.string().nullable(),
    toVersion: z.string().nullable(),
    jobId: z.string().nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Action' });

export type Action = z.output<typeof actionSchema>;

export const actionReplySchema = z.object({ action: actionSchema }).meta({ id: 'ActionReply' });

export interface ActionReply {
  action: Action;
  /** True when an earlier request with the same Idempotency-Key produced this answer. */
  replayed: boolean;
}

/** What a generic action's work reports back (RunAction, actions/run-action.ts). */
export interface ActionOutcome {
  status?: ActionStatus;
  fromVersion?: string | null;
  toVersion?: string | null;
  jobId?: string | null;
  details?: Record<string, unknown>;
}

export const canaryStepsSchema = z
  .array(z.number().gt(0, 'steps must be above 0').max(100, 'steps are percentages, at most 100'))
  .min(1)
  .max(10)
  .refine((steps) => steps.every((s, i) => i === 0 || s > steps[i - 1]!), 'steps must increase')
  .refine((steps) => steps[steps.length - 1] === 100, 'the last step must be 100');

export const promoteBodySchema = z
  .object({
    version: versionNameSchema.optional().meta({ description: 'Default: the challenger' }),
    reason: reasonSchema,
    strategy: z.enum(['direct', 'canary']).default('direct'),
    steps: canaryStepsSchema.optional().meta({ description: 'Canary: traffic percentages, default [10, 50, 100]' }),
    stepSeconds: z.number().min(0).max(86_400).optional().meta({ description: 'Canary: seconds per step before the guardrail check (default 300)' }),
  })
  .meta({ id: 'PromoteRequest' });

export type PromoteInput = z.input<typeof promoteBodySchema>;

/** A gradual rollback's steps: the rolled-back champion's share of traffic at each step, decreasing to 0. */
export const gradualStepsSchema = z
  .array(z.number().min(0, 'steps are percentages, at least 0').lt(100, 'steps must be below 100 (100 is where the champion starts)'))
  .min(1)
  .max(10)
  .refine((steps) => steps.every((s, i) => i === 0 || s < steps[i - 1]!), 'steps must decrease')
  .refine((steps) => steps[steps.length - 1] === 0, 'the last step must be 0');

export const rollbackBodySchema = z
  .object({
    toVersion: versionNameSchema.optional().meta({ description: 'Default: the previous champion' }),
    reason: reasonSchema,
    mode: z
      .enum(['instant', 'gradual'])
      .default('instant')
      .meta({ description: "instant (200): the target serves at once; gradual (202): the champion's traffic steps down to the target, then the switch" }),
    steps: gradualStepsSchema.optional().meta({ description: "Gradual: the champion's traffic percentage at each step, decreasing to 0; default [50, 10, 0]" }),
    stepMs: z.number().int().min(0).max(86_400_000).optional().meta({ description: 'Gradual: milliseconds per step (default 60000)' }),
  })
  .meta({ id: 'RollbackRequest' });

export type RollbackInput = z.input<typeof rollbackBodySchema>;
