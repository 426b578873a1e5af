import type { GbdtModel } from '../gbdt/model.ts';
import { encodeModel, INPUT_NAME, node, OUTPUT_NAME } from './builder.ts';

/**
 * ai.onnx.ml TreeEnsembleRegressor (SUM of leaf values + base value) followed by Sigmoid.
 * Splits are BRANCH_LEQ on float32 thresholds — the comparison the trainer itself makes —
 * and missing values follow nodes_missing_value_tracks_true (1 = the "true"/left branch).
 */
export function treeEnsembleOnnx(model: GbdtModel, metadata: Record<string, string> = {}): Uint8Array {
  const nodesTreeIds: number[] = [];
  const nodesNodeIds: number[] = [];
  const nodesFeatureIds: number[] = [];
  const nodesValues: number[] = [];
  const nodesModes: string[] = [];
  const nodesTrue: number[] = [];
  const nodesFalse: number[] = [];
  const nodesMissingTrue: number[] = [];
  const targetTreeIds: number[] = [];
  const targetNodeIds: number[] = [];
  const targetIds: number[] = [];
  const targetWeights: number[] = [];
  model.trees.forEach((tree, t) => {
    for (let id = 0; id < tree.feature.length; id++) {
      const f = tree.feature[id]!;
      const leaf = f < 0;
      nodesTreeIds.push(t);
      nodesNodeIds.push(id);
      nodesFeatureIds.push(leaf ? 0 : f);
      nodesValues.push(leaf ? 0 : tree.threshold[id]!);
      nodesModes.push(leaf ? 'LEAF' : 'BRANCH_LEQ');
      nodesTrue.push(leaf ? 0 : tree.left[id]!);
      nodesFalse.push(leaf ? 0 : tree.right[id]!);
      nodesMissingTrue.push(leaf ? 0 : tree.missingLeft[id]!);
      if (leaf) {
        targetTreeIds.push(t);
        targetNodeIds.push(id);
        targetIds.push(0);
        targetWeights.push(tree.value[id]!);
      }
    }
  });
  return encodeModel({
    graphName: 'modelwatch_gbdt',
    nFeatures: model.featureNames.length,
    usesMl: true,
    nodes: [
      node(
        'TreeEnsembleRegressor',
        [INPUT_NAME],
        ['logit'],
        {
          n_targets: { int: 1 },
          aggregate_function: { string: 'SUM' },
          post_transform: { string: 'NONE' },
          base_values: { floats: [model.baseScore] },
          nodes_treeids: { ints: nodesTreeIds },
          nodes_nodeids: { ints: nodesNodeIds },
          nodes_featureids: { ints: nodesFeatureIds },
          nodes_values: { floats: nodesValues },
          nodes_modes: { strings: nodesModes },
          nodes_truenodeids: { ints: nodesTrue },
          nodes_falsenodeids: { ints: nodesFalse },
          nodes_missing_value_tracks_true: { ints: nodesMissingTrue },
          target_treeids: { ints: targetTreeIds },
          target_nodeids: { ints: targetNodeIds },
          target_ids: { ints: targetIds },
          target_weights: { floats: targetWeights },
        },
        'ai.onnx.ml',
      ),
      node('Sigmoid', ['logit'], [OUTPUT_NAME]),
    ],
    docString: 'Gradient-boosted trees trained by ModelWatch',
    metadata: { feature_names: JSON.stringify(model.featureNames), ...metadata },
  });
}
