import type { TrainingDataset } from '../training/dataset.ts';
import { numericFeatures, type FeatureRow, type World } from './world.ts';

export interface ExplorationData {
  world: World;
  dataset: TrainingDataset;
  /** A sample of feature rows: the version's reference profile is built from them. */
  referenceRows: FeatureRow[];
}

/** `rows` impressions of a random candidate each, with the click drawn from the truth. */
export function buildExplorationDataset(world: World, rows: number): ExplorationData {
  const columns = numericFeatures.map(() => new Float64Array(rows));
  const labels = new Uint8Array(rows);
  const referenceRows: FeatureRow[] = [];
  for (let i = 0; i < rows; i++) {
    const user = world.user(i);
    const [offer] = world.candidates(user, 1);
    numericFeatures.forEach((name, f) => {
      columns[f]![i] = offer!.features[name] as number;
    });
    labels[i] = world.random() < offer!.clickProbability ? 1 : 0;
    if (i < 5000) referenceRows.push(offer!.features);
  }
  return { world, dataset: { featureNames: [...numericFeatures], columns, labels }, referenceRows };
}
