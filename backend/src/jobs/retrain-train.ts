import fs from 'node:fs';
import path from 'node:path';
import type { JobsConfig } from '../core/config.ts';
import { runBuiltin } from './builtin-runner.ts';
import { runCommand } from './command-runner.ts';
import type { DatasetExport } from './dataset.ts';
import type { RetrainRun } from './retrain-run.ts';
import type { RunnerInput, RunnerOutput } from './runner-types.ts';
import { trainerCommand } from './trainer-command.ts';

/** The trainer's output folder (MODELWATCH_OUTPUT_DIR), scratch under the data folder. */
export const trainerOutputDir = (dataDir: string, jobId: string): string => path.join(dataDir, 'jobs', jobId, 'output');

/** Step 2: train with the job's runner into an empty output folder; training is 10–80 % of the job's progress. */
export async function trainCandidate(run: RetrainRun, dataset: DatasetExport, deps: { dataDir: string; config: JobsConfig }): Promise<RunnerOutput> {
  const { ctx, model, settings, input } = run;
  const { job } = ctx;
  ctx.progress({ progress: 0.1, message: `training (${job.runner})` });
  const outputDir = trainerOutputDir(deps.dataDir, job.id);
  fs.rmSync(outputDir, { recursive: true, force: true });
  fs.mkdirSync(outputDir, { recursive: true });
  const runnerInput: RunnerInput = {
    jobId: job.id,
    model,
    dataset,
    params: input.params ?? job.params,
    outputDir,
    gpuIndices: ctx.gpuIndices,
    signal: ctx.signal,
    progress: (r) =>
      ctx.progress({
        ...(r.progress !== undefined ? { progress: 0.1 + 0.7 * r.progress } : {}),
        ...(r.message !== undefined ? { message: r.message } : {}),
        ...(r.metrics ? { metrics: r.metrics } : {}),
      }),
    log: ctx.log,
  };
  return job.runner === 'command'
    ? runCommand(runnerInput, { argv: trainerCommand(settings, deps.config), killGraceMs: deps.config.killGraceMs })
    : runBuiltin(runnerInput);
}
