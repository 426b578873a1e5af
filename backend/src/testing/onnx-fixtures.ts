/**
 * Tiny ONNX models for tests and benchmarks, built with onnx-proto. Each obeys (or, on
 * purpose, breaks) the ONNX artifact contract (docs/getting-started.md).
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const STRING = onnx.TensorProto.DataType.STRING;
const INT64 = onnx.TensorProto.DataType.INT64;

type Dim = number | string;

const valueInfo = (name: string, elemType: number, dims: Dim[]) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  });

const floatTensor = (name: string, dims: number[], values: number[]) =>
  onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: values });

function encode(graph: InstanceType<typeof onnx.GraphProto>, mlOpset = false): Buffer {
  const opsetImport = [{ domain: '', version: 17 }, ...(mlOpset ? [{ domain: 'ai.onnx.ml', version: 3 }] : [])];
  const model = onnx.ModelProto.create({ irVersion: 8, opsetImport, producerName: 'modelwatch-tests', graph });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

export interface LogisticOptions {
  weights: number[];
  bias?: number;
  inputName?: string;
  outputName?: string;
  /** `[batch,1]` (default), `[batch]`, or `[batch,2]` class probabilities. */
  output?: 'column' | 'vector' | 'two_class';
  /** Declared input width; defaults to weights.length (set it to break the contract). */
  declaredWidth?: number;
  /** Put a string "label" output first, as sklearn-onnx classifiers do. */
  labelFirst?: boolean;
}

/** sigmoid(x·w + b) over one float32 input [batch, n]. */
export function logisticRegressionOnnx(options: LogisticOptions): Buffer {
  const n = options.weights.length;
  const input = options.inputName ?? 'features';
  const outputName = options.outputName ?? 'probability';
  const nodes: Array<Record<string, unknown>> = [
    { opType: 'MatMul', input: [input, 'W'], output: ['z0'] },
    { opType: 'Add', input: ['z0', 'B'], output: ['z'] },
  ];
  const initializer = [floatTensor('W', [n, 1], options.weights), floatTensor('B', [1], [options.bias ?? 0])];
  let output = valueInfo(outputName, FLOAT, ['batch', 1]);
  const mode = options.output ?? 'column';
  if (mode === 'column') {
    nodes.push({ opType: 'Sigmoid', input: ['z'], output: [outputName] });
  } else if (mode === 'vector') {
    nodes.push({ opType: 'Sigmoid', input: ['z'], output: ['p'] });
    initializer.push(onnx.TensorProto.create({ name: 'flat', dims: [1], dataType: INT64, int64Data: [-1] }));
    nodes.push({ opType: 'Reshape', input: ['p', 'flat'], output: [outputName] });
    output = valueInfo(outputName, FLOAT, ['batch']);
  } else {
    nodes.push({ opType: 'Sigmoid', input: ['z'], output: ['p'] });
    initializer.push(floatTensor('one', [1], [1]));
    nodes.push({ opType: 'Sub', input: ['one', 'p'], output: ['q'] });
    nodes.push({ opType: 'Concat', input: ['q', 'p'], output: [outputName], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] });
    output = valueInfo(outputName, FLOAT, ['batch', 2]);
  }
  const outputs = [output];
  if (options.labelFirst) {
    // A label output (int64 [batch]) ahead of the probabilities, like sklearn-onnx classifiers.
    initializer.push(floatTensor('half', [1], [0.5]));
    nodes.push({ opType: 'Greater', input: ['z', 'zero'], output: ['gt'] });
    initializer.push(floatTensor('zero', [1], [0]));
    nodes.push({ opType: 'Cast', input: ['gt'], output: ['label2d'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: INT64 }] });
    initializer.push(onnx.TensorProto.create({ name: 'flat1', dims: [1], dataType: INT64, int64Data: [-1] }));
    nodes.push({ opType: 'Reshape', input: ['label2d', 'flat1'], output: ['label'] });
    outputs.unshift(valueInfo('label', INT64, ['batch']));
  }
  const graph = onnx.GraphProto.create({
    name: 'logistic_regression',
    node: nodes.map((n) => onnx.NodeProto.create(n)),
    initializer,
    input: [valueInfo(input, FLOAT, ['batch', options.declaredWidth ?? n])],
    output: outputs,
  });
  return encode(graph);
}

export interface PerFeatureInput {
  name: string;
  type: 'numeric' | 'categorical';
  /** Numeric: the weight. Categorical: weight per category (others: 0). */
  weight?: number;
  categories?: Record<string, number>;
}

/**
 * One input per feature ([batch, 1], float32 for numeric, string for categorical), summed
 * into a logit: numeric x·w, categorical via an ai.onnx.ml LabelEncoder lookup.
 */
export function perFeatureOnnx(inputs: PerFeatureInput[], bias = 0): Buffer {
  const nodes: Array<Record<string, unknown>> = [];
  const initializer = [floatTensor('B', [1], [bias])];
  const terms: string[] = [];
  inputs.forEach((feature, i) => {
    if (feature.type === 'numeric') {
      initializer.push(floatTensor(`w${i}`, [1], [feature.weight ?? 1]));
      nodes.push({ opType: 'Mul', input: [feature.name, `w${i}`], output: [`t${i}`] });
    } else {
      const entries = Object.entries(feature.categories ?? {});
      nodes.push({
        opType: 'LabelEncoder',
        domain: 'ai.onnx.ml',
        input: [feature.name],
        output: [`t${i}`],
        attribute: [
          { name: 'keys_strings', type: onnx.AttributeProto.AttributeType.STRINGS, strings: entries.map(([k]) => Buffer.from(k)) },
          { name: 'values_floats', type: onnx.AttributeProto.AttributeType.FLOATS, floats: entries.map(([, v]) => v) },
          { name: 'default_float', type: onnx.AttributeProto.AttributeType.FLOAT, f: 0 },
        ],
      });
    }
    terms.push(`t${i}`);
  });
  nodes.push({ opType: 'Sum', input: [...terms, 'B'], output: ['z'] });
  nodes.push({ opType: 'Sigmoid', input: ['z'], output: ['probability'] });
  const graph = onnx.GraphProto.create({
    name: 'per_feature',
    node: nodes.map((n) => onnx.NodeProto.create(n)),
    initializer,
    input: inputs.map((f) => valueInfo(f.name, f.type === 'numeric' ? FLOAT : STRING, ['batch', 1])),
    output: [valueInfo('probability', FLOAT, ['batch', 1])],
  });
  return encode(graph, true);
}

/** A valid ONNX file whose only input is int64: loads, but breaks the contract. */
export function int64InputOnnx(): Buffer {
  const graph = onnx.GraphProto.create({
    name: 'int_input',
    node: [
      onnx.NodeProto.create({ opType: 'Cast', input: ['features'], output: ['probability'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] }),
    ],
    input: [valueInfo('features', INT64, ['batch', 1])],
    output: [valueInfo('probability', FLOAT, ['batch', 1])],
  });
  return encode(graph);
}

/** Reference score for logisticRegressionOnnx, computed in float64. */
export const logistic = (weights: number[], bias: number, x: number[]): number =>
  1 / (1 + Math.exp(-(weights.reduce((sum, w, i) => sum + w * (x[i] ?? 0), 0) + bias)));

/**
 * Hostile: the contract's input and output, with a `Loop` of `trips` iterations carrying the
 * features through (2^40: never ends) ahead of the sigmoid.
 */
export function loopOnnx(trips: number): Buffer {
  const BOOL = onnx.TensorProto.DataType.BOOL;
  const body = onnx.GraphProto.create({
    name: 'body',
    node: [
      onnx.NodeProto.create({ opType: 'Identity', input: ['cond_in'], output: ['cond_out'] }),
      onnx.NodeProto.create({ opType: 'Identity', input: ['v_in'], output: ['v_out'] }),
    ],
    input: [valueInfo('i', INT64, []), valueInfo('cond_in', BOOL, []), valueInfo('v_in', FLOAT, ['batch', 1])],
    output: [valueInfo('cond_out', BOOL, []), valueInfo('v_out', FLOAT, ['batch', 1])],
  });
  const graph = onnx.GraphProto.create({
    name: 'loop',
    node: [
      onnx.NodeProto.create({
        opType: 'Loop',
        input: ['trips', 'keep_going', 'features'],
        output: ['carried'],
        attribute: [{ name: 'body', type: onnx.AttributeProto.AttributeType.GRAPH, g: body }],
      }),
      onnx.NodeProto.create({ opType: 'Sigmoid', input: ['carried'], output: ['probability'] }),
    ],
    initializer: [
      onnx.TensorProto.create({ name: 'trips', dims: [], dataType: INT64, int64Data: [trips] }),
      onnx.TensorProto.create({ name: 'keep_going', dims: [], dataType: BOOL, int32Data: [1] }),
    ],
    input: [valueInfo('features', FLOAT, ['batch', 1])],
    output: [valueInfo('probability', FLOAT, ['batch', 1])],
  });
  return encode(graph);
}

/** Hostile: a logistic model whose weights live in an external file ("weights.bin" beside the model). */
export function externalDataOnnx(): Buffer {
  const graph = onnx.GraphProto.create({
    name: 'external',
    node: [
      onnx.NodeProto.create({ opType: 'MatMul', input: ['features', 'W'], output: ['z'] }),
      onnx.NodeProto.create({ opType: 'Sigmoid', input: ['z'], output: ['probability'] }),
    ],
    initializer: [
      onnx.TensorProto.create({
        name: 'W',
        dims: [1, 1],
        dataType: FLOAT,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: '../../etc/passwd' },
          { key: 'length', value: '4' },
        ],
      }),
    ],
    input: [valueInfo('features', FLOAT, ['batch', 1])],
    output: [valueInfo('probability', FLOAT, ['batch', 1])],
  });
  return encode(graph);
}
