import { registerVersionSchema } from '../registry/version-schemas.ts';
import { trainInWorker } from '../training/train.ts';
import type { VersionSpec } from './engine-api.ts';
import { buildExplorationDataset } from './exploration.ts';
import type { SteppedService } from './service.ts';
import type { World } from './world.ts';

export interface TrainedVersion {
  onnx: Uint8Array;
  metrics: Record<string, unknown>;
  referenceRows: Record<string, unknown>[];
}

/**
 * Trains a version with the built-in trainer on exploration traffic of the world (as the spec's
 * `training.world` describes it, or as it is now).
 */
export async function trainVersion(world: World, spec: VersionSpec): Promise<TrainedVersion> {
  const saved = world.state;
  world.state = { ...saved, ...spec.training.world };
  const data = buildExplorationDataset(world, spec.training.rows ?? 60_000);
  world.state = saved;
  const labels = spec.training.shuffleLabels ? shuffled(data.dataset.labels, world.random) : data.dataset.labels;
  const run = trainInWorker(
    { ...data.dataset, labels },
    { algorithm: 'gbdt', params: { maxIterations: 80, maxLeaves: 31, learningRate: 0.1, ...spec.training.params }, seed: spec.training.seed ?? 1 },
  );
  const result = await run.result;
  return { onnx: result.onnx, metrics: { ...result.metrics }, referenceRows: data.referenceRows };
}

/** Registers a trained version as an admin would (POST /models/{model}/versions, parsed by the route's schema). */
export async function registerVersion(service: SteppedService, model: string, spec: VersionSpec, trained: TrainedVersion): Promise<void> {
  const input = registerVersionSchema.parse({
    version: spec.version,
    artifact: Buffer.from(trained.onnx).toString('base64'),
    metrics: { ...trained.metrics, ...(spec.description ? { description: spec.description } : {}) },
    reference: { rows: trained.referenceRows },
  });
  await service.ctx.registry.register(model, { ...input, artifact: input.artifact }, service.admin);
}

function shuffled(labels: Uint8Array, random: () => number): Uint8Array {
  const out = Uint8Array.from(labels);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
