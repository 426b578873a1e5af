import type { Model } from '../models/model-schemas.ts';
import type { LabelKind } from './dataset.ts';
import type { JobContext } from './job-handler.ts';
import type { RetrainSettings } from './retrain-settings.ts';

/** What a retrain job stores as its input (besides params): the window and its label. */
export interface RetrainJobInput {
  window: { from: number; to: number };
  label: LabelKind;
  params: Record<string, unknown>;
}

/** One run of a retrain job, as each step of it sees it. */
export interface RetrainRun {
  ctx: JobContext;
  model: Model;
  settings: RetrainSettings;
  input: RetrainJobInput;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Throws the abort reason once the job was cancelled, timed out or stopped. */
export function checkAbort(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}
