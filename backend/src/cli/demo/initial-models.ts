import type { ApiClient } from '../api-client.ts';
import { buildExplorationDataset, type ExplorationData } from '../../scenarios/exploration.ts';
import { trainInWorker } from '../../training/train.ts';
import type { World } from '../../scenarios/world.ts';

/**
 * The models the story starts with, trained by the built-in trainer on logged exploration
 * traffic (a random item shown to each user, so clicks are unbiased labels).
 */
export async function trainAndRegister(
  api: ApiClient,
  model: string,
  version: string,
  data: ExplorationData,
  options: { shuffleLabels?: boolean; description: string },
): Promise<{ auc: number }> {
  const labels = options.shuffleLabels ? shuffled(data.dataset.labels, data.world) : data.dataset.labels;
  const run = trainInWorker(
    { ...data.dataset, labels },
    { algorithm: 'gbdt', params: { maxIterations: 80, maxLeaves: 31, learningRate: 0.1 }, seed: 1 },
  );
  const result = await run.result;
  await api.request('POST', `/api/v1/models/${model}/versions`, {
    json: {
      version,
      artifact: Buffer.from(result.onnx).toString('base64'),
      metrics: { ...result.metrics, description: options.description },
      reference: { rows: data.referenceRows },
    },
  });
  return { auc: result.metrics.auc };
}

export function explorationData(world: World, rows: number): ExplorationData {
  return buildExplorationDataset(world, rows);
}

function shuffled(labels: Uint8Array, world: World): Uint8Array {
  const out = Uint8Array.from(labels);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(world.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
