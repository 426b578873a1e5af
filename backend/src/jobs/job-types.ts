import { z } from 'zod';
import type { Actor } from '../auth/roles.ts';

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
export const terminalStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];
export const isTerminal = (state: string): boolean => (terminalStates as readonly string[]).includes(state);

export const runnerNames = ['builtin', 'command'] as const;
export type RunnerName = (typeof runnerNames)[number];

/** API shape of a job (GET /api/v1/jobs/{id}). Times are RFC 3339, absent ones null. */
export const jobSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    model: z.string().nullable(),
    status: z.enum(jobStates),
    runner: z.string().nullable(),
    gpus: z.number(),
    gpuIndices: z.array(z.number()).nullable().meta({ description: 'GPUs assigned (CUDA_VISIBLE_DEVICES) while running' }),
    progress: z.number().meta({ description: '0..1' }),
    message: z.string().nullable(),
    metrics: z.record(z.string(), z.number()),
    producedVersion: z.string().nullable(),
    validation: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The validation gate verdict (retrain jobs)' }),
    result: z.record(z.string(), z.unknown()),
    error: z.string().nullable(),
    attempts: z.number(),
    maxAttempts: z.number(),
    timeoutMs: z.number(),
    cancelRequested: z.boolean(),
    actionId: z.string().nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    worker: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    heartbeatAt: z.string().nullable(),
    runAfter: z.string(),
  })
  .meta({ id: 'Job' });

export type Job = z.output<typeof jobSchema>;

export const jobLogSchema = z
  .object({ seq: z.number(), ts: z.string(), stream: z.enum(['stdout', 'stderr', 'system']), line: z.string() })
  .meta({ id: 'JobLogLine' });
export type JobLogLine = z.output<typeof jobLogSchema>;
export type LogStream = JobLogLine['stream'];

/** What `JobService.enqueue` takes. */
export interface EnqueueInput {
  type: string;
  model?: string | null;
  runner?: string | null;
  gpus?: number;
  /** Runner/trainer parameters and any other input the handler reads. */
  params?: Record<string, unknown>;
  /** Extra input for the handler, stored with params (window, label, ...). */
  input?: Record<string, unknown>;
  reason?: string | null;
  actor: Actor | string;
  actionId?: string | null;
  timeoutMs?: number;
  /** Attempts in all (1 = no retry). */
  maxAttempts?: number;
}

/** A progress report from a running job. Metrics must be finite numbers (others are dropped). */
export interface ProgressReport {
  progress?: number;
  message?: string;
  metrics?: Record<string, unknown>;
}

/** A failure that says whether trying again may help (the queue retries those, with backoff). */
export class JobFailure extends Error {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.name = 'JobFailure';
    this.retryable = retryable;
  }
}
