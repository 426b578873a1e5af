import type { EnqueueInput, Job, LogStream, ProgressReport } from './job-types.ts';

/** What a handler gets while it runs one job. */
export interface JobContext {
  job: Job;
  /** The stored input (params, window, label, ...). */
  input: Record<string, unknown>;
  /** Aborted on cancel, timeout, shutdown, or when the job was taken away (see `reason`). */
  signal: AbortSignal;
  gpuIndices: number[];
  progress(report: ProgressReport): void;
  log(line: string, stream?: LogStream): void;
  /** Merges into the job's result (stored at once). */
  setResult(patch: Record<string, unknown>): Promise<void>;
  setProducedVersion(version: string): Promise<void>;
}

export interface JobOutcome {
  result?: Record<string, unknown>;
  producedVersion?: string;
  message?: string;
}

export interface JobHandler {
  /** Checks and completes an enqueue request (throws DomainError → 4xx); runs before the row is written. */
  prepare?(input: EnqueueInput): Promise<EnqueueInput>;
  run(ctx: JobContext): Promise<JobOutcome | void>;
}

/** The handler of each job type this service runs, given to the queue when it is built. */
export type JobHandlers = ReadonlyMap<string, JobHandler>;

/** Why a running job was aborted. */
export class JobAbort extends Error {
  readonly kind: 'cancel' | 'timeout' | 'shutdown' | 'lost';

  constructor(kind: JobAbort['kind'], message: string) {
    super(message);
    this.name = 'JobAbort';
    this.kind = kind;
  }
}

/** Starts looking for work now (the worker; enqueue and retries call it). */
export interface Waker {
  wake(): void;
}
