import { encodeModel, floatTensor, INPUT_NAME, node, OUTPUT_NAME } from './builder.ts';

/** A linear logit on raw feature values: p = sigmoid(intercept + Σ weights[j]·x_j). */
export interface LinearLogit {
  featureNames: string[];
  weights: ArrayLike<number>;
  intercept: number;
  /** Value put in for a missing (NaN) feature, per feature. */
  imputeValues: ArrayLike<number>;
}

/**
 * features ─ IsNaN ─ Where(missing, imputeValues, features) ─ MatMul(W[n,1]) ─ Add(b) ─ Sigmoid → probability [batch, 1]
 */
export function logisticOnnx(model: LinearLogit, metadata: Record<string, string> = {}): Uint8Array {
  const n = model.featureNames.length;
  return encodeModel({
    graphName: 'modelwatch_logistic_regression',
    nFeatures: n,
    nodes: [
      node('IsNaN', [INPUT_NAME], ['missing']),
      node('Where', ['missing', 'impute_values', INPUT_NAME], ['imputed']),
      node('MatMul', ['imputed', 'weights'], ['linear']),
      node('Add', ['linear', 'intercept'], ['logit']),
      node('Sigmoid', ['logit'], [OUTPUT_NAME]),
    ],
    initializers: [
      floatTensor('impute_values', [n], model.imputeValues),
      floatTensor('weights', [n, 1], model.weights),
      floatTensor('intercept', [1], [model.intercept]),
    ],
    docString: 'Logistic regression trained by ModelWatch',
    metadata: { feature_names: JSON.stringify(model.featureNames), ...metadata },
  });
}
