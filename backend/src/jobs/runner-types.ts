import type { Model } from '../models/model-schemas.ts';
import type { DatasetExport } from './dataset.ts';
import type { LogStream, ProgressReport } from './job-types.ts';

/** What a runner gets: the exported dataset, where to write, and how to report. */
export interface RunnerInput {
  jobId: string;
  model: Model;
  dataset: DatasetExport;
  /** Trainer parameters (settings.retrain.params overridden by the request's params). */
  params: Record<string, unknown>;
  /** An empty folder for the trainer's files. */
  outputDir: string;
  /** GPU indices assigned to the job (empty: CPU only). */
  gpuIndices: number[];
  signal: AbortSignal;
  /** Progress 0..1 of the training itself (the job maps it into its own range). */
  progress(report: ProgressReport): void;
  log(line: string, stream?: LogStream): void;
}

/** What a runner hands back: the model, its metrics and (optionally) its reference profile. */
export interface RunnerOutput {
  onnx: Uint8Array;
  metrics: Record<string, unknown>;
  /** A reference profile as the trainer wrote it (validated before use); absent: built from the training rows. */
  profile?: unknown;
}

export type Runner = (input: RunnerInput) => Promise<RunnerOutput>;
