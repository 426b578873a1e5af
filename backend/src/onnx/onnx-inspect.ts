/**
 * Checks an ONNX model's inputs and outputs against the artifact contract
 * (docs/getting-started.md) and says how to feed it. Pure: works on the metadata
 * onnxruntime reports, so it is tested without files.
 *
 * Contract:
 * - inputs: either ONE float32 input [batch, n] taking the model's numeric features in
 *   declared order (n = number of numeric features; categorical features are then only
 *   monitored), or one input per feature, named as the feature, [batch, 1], float32 for
 *   numeric and string for categorical. A model may take a subset of the declared features.
 * - output: the first float output of shape [batch, 1] or [batch] is the positive-class
 *   probability; failing that, column 1 of the first float [batch, 2] output. Non-float
 *   outputs ahead of it (sklearn's int64 `label`) are skipped.
 */
import { invalid } from '../core/errors.ts';
import type { Feature } from '../models/model-schemas.ts';

export interface TensorMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

export type OutputMode = 'column' | 'vector' | 'two_class';

export interface InputPlan {
  kind: 'tensor' | 'per_feature';
  /** tensor: the one input's name. */
  input?: string;
  /** tensor: numeric features in column order; per_feature: the features that are inputs. */
  features: Feature[];
  output: string;
  outputMode: OutputMode;
}

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

const describeValue = (m: TensorMetadata): string =>
  m.isTensor ? `"${m.name}" ${m.type ?? '?'} [${(m.shape ?? []).map(String).join(', ')}]` : `"${m.name}" (not a tensor)`;

export const describeValues = (values: readonly TensorMetadata[]): string =>
  values.length ? values.map(describeValue).join(', ') : 'none';

/** Second dimension is 1, or unknown (symbolic: checked by the test run at load). */
const isColumn = (shape: ReadonlyArray<number | string> | undefined): boolean =>
  shape?.length === 2 && (shape[1] === 1 || typeof shape[1] !== 'number' || shape[1] < 0);

export function planInputs(inputs: readonly TensorMetadata[], features: readonly Feature[]): Omit<InputPlan, 'output' | 'outputMode'> {
  const numeric = features.filter((f) => f.type === 'numeric');
  const byName = new Map(features.map((f) => [f.name, f]));
  const expected =
    `expected one float32 input [batch, ${numeric.length}] taking the numeric features (${numeric.map((f) => f.name).join(', ') || 'none declared'}) ` +
    `in declared order, or one input per feature named as the feature ([batch, 1], float32 for numeric, string for categorical)`;
  const found = `found inputs ${describeValues(inputs)}`;
  if (inputs.length === 0) throw invalid(`artifact: the model has no inputs; ${expected}`);

  // A lone input named as a feature but several columns wide is the tensor form.
  const lone = inputs.length === 1 ? inputs[0] : undefined;
  const wide = lone?.shape?.length === 2 && typeof lone.shape[1] === 'number' && lone.shape[1] > 1;
  if (inputs.every((input) => byName.has(input.name)) && !wide) {
    const problems: string[] = [];
    for (const input of inputs) {
      const feature = byName.get(input.name)!;
      const wantType = feature.type === 'numeric' ? 'float32' : 'string';
      if (!input.isTensor || input.type !== wantType) problems.push(`"${input.name}" should be ${wantType} (feature is ${feature.type})`);
      else if (!isColumn(input.shape)) problems.push(`"${input.name}" should have shape [batch, 1]`);
    }
    if (problems.length) throw invalid(`artifact: ${problems.join('; ')}; ${found}`);
    return { kind: 'per_feature', features: inputs.map((input) => byName.get(input.name)!) };
  }

  if (inputs.length === 1) {
    const input = inputs[0]!;
    const width = input.shape?.[1];
    if (!input.isTensor || input.type !== 'float32' || input.shape?.length !== 2) throw invalid(`artifact: ${found}; ${expected}`);
    if (numeric.length === 0) throw invalid(`artifact: a single tensor input needs numeric features, and this model declares none; ${found}; ${expected}`);
    if (typeof width === 'number' && width >= 0 && width !== numeric.length) {
      throw invalid(`artifact: input "${input.name}" takes ${width} columns, but the model declares ${numeric.length} numeric features; ${found}; ${expected}`);
    }
    return { kind: 'tensor', input: input.name, features: numeric };
  }

  const unknown = inputs.filter((input) => !byName.has(input.name)).map((input) => `"${input.name}"`);
  throw invalid(`artifact: inputs ${unknown.join(', ')} are not declared features; ${found}; ${expected}`);
}

export function planOutput(outputs: readonly TensorMetadata[]): { output: string; outputMode: OutputMode } {
  const floats = outputs.filter((o) => o.isTensor && FLOAT_TYPES.has(o.type ?? ''));
  for (const o of floats) {
    const shape = o.shape ?? [];
    if (shape.length === 1) return { output: o.name, outputMode: 'vector' };
    if (shape.length === 2 && shape[1] === 1) return { output: o.name, outputMode: 'column' };
  }
  for (const o of floats) {
    const shape = o.shape ?? [];
    if (shape.length === 2 && shape[1] === 2) return { output: o.name, outputMode: 'two_class' };
  }
  // Unknown second dimension: decided by the test run at load.
  const symbolic = floats.find((o) => o.shape?.length === 2 && typeof o.shape[1] !== 'number');
  if (symbolic) return { output: symbolic.name, outputMode: 'column' };
  throw invalid(
    `artifact: found outputs ${describeValues(outputs)}; expected the positive-class probability as a float output of shape ` +
      '[batch, 1] or [batch], or a float [batch, 2] class-probabilities output (column 1 is used)',
  );
}

/** The whole plan, or a 400 that says what was found and what was expected. */
export function planModel(inputs: readonly TensorMetadata[], outputs: readonly TensorMetadata[], features: readonly Feature[]): InputPlan {
  return { ...planInputs(inputs, features), ...planOutput(outputs) };
}

/** Output mode from the dims a test run produced for a batch of `batch` rows, or undefined. */
export function modeFromDims(dims: readonly number[], batch: number): OutputMode | undefined {
  if (dims.length === 1 && dims[0] === batch) return 'vector';
  if (dims.length === 2 && dims[0] === batch && dims[1] === 1) return 'column';
  if (dims.length === 2 && dims[0] === batch && dims[1] === 2) return 'two_class';
  return undefined;
}
