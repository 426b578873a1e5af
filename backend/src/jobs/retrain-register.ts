import { parseProfile } from '../core/profile-schema.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { describeZodError } from '../core/zod-errors.ts';
import type { Model } from '../models/model-schemas.ts';
import { buildProfile } from '../stats/profile.ts';
import type { DatasetExport } from './dataset.ts';
import type { JobContext } from './job-handler.ts';
import type { CandidateRegistry, TrainingTraffic } from './retrain-ports.ts';
import type { RetrainRun } from './retrain-run.ts';
import type { RunnerOutput } from './runner-types.ts';
import type { GateResult } from './validation-gate.ts';

/**
 * Step 4: registers the candidate with its metrics, lineage, verdict and reference profile
 * (never interrupted: the version must not be registered twice). Returns its version.
 */
export async function registerCandidate(
  { ctx, model, input }: RetrainRun,
  trained: { output: RunnerOutput; dataset: DatasetExport; gate: GateResult; champion: string | undefined },
  deps: { registry: CandidateRegistry; traffic: TrainingTraffic },
): Promise<string> {
  const { job } = ctx;
  const { output, dataset, gate, champion } = trained;
  const { from, to } = input.window;
  ctx.progress({ progress: 0.9, message: 'registering the new version' });
  // The reference is all served traffic of the window (every candidate the model scored),
  // not only the labelled rows (the items that were shown), which a ranking model skews.
  const traffic = (await deps.traffic.trafficSample(model.name, { from, to })).rows;
  const profile = profileOf(model, output.profile, traffic.length ? traffic : dataset.profileRows, ctx.log);
  const registered = await deps.registry.register(
    model.name,
    {
      artifact: output.onnx,
      metrics: output.metrics,
      lineage: { ...(champion ? { parentVersion: champion } : {}), jobId: job.id, dataWindow: { from, to } },
      validation: gate.status,
      description: `Retrained by job ${job.id}${job.reason ? `: ${job.reason}` : ''}`.slice(0, 2000),
      ...(profile ? { reference: { profile } } : {}),
    },
    job.actor,
  );
  const version = registered.version;
  await ctx.setProducedVersion(version);
  for (const warning of registered.warnings ?? []) ctx.log(`registry: ${warning}`);
  await deps.registry.setValidation(model.name, version, gate.status, { ...gate, jobId: job.id }, 'system');
  await ctx.setResult({ version });
  return version;
}

/** The trainer's profile.json when valid for this model; otherwise one built from the window's traffic. */
function profileOf(model: Model, fromTrainer: unknown, rows: Array<Record<string, unknown>>, log: JobContext['log']): ReferenceProfile | undefined {
  if (fromTrainer !== undefined) {
    const parsed = parseProfile(fromTrainer);
    const declared = new Map(model.features.map((f) => [f.name, f.type]));
    if (parsed.success && parsed.data.features.every((f) => declared.get(f.name) === f.type)) return parsed.data;
    log(`profile.json ignored: ${parsed.success ? 'its features do not match the model' : describeZodError(parsed.error, 'profile')}; building one from the window's traffic`);
  }
  if (!rows.length) return undefined;
  return buildProfile(rows, model.features, { source: 'trainer' });
}
