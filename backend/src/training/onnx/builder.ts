/**
 * Small helpers over onnx-proto (protobufjs) for building ONNX models from TypeScript.
 * Kept to what ModelWatch's trainers emit: float32 tensors, a few attribute kinds, one
 * input "features" [batch, nFeatures] and one output "probability" [batch, 1].
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type IAttributeProto = onnxProto.onnx.IAttributeProto;
type INodeProto = onnxProto.onnx.INodeProto;
type ITensorProto = onnxProto.onnx.ITensorProto;
type IValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** IR version 8 (ONNX 1.10+) and opsets every onnxruntime since 1.12 runs. */
export const IR_VERSION = 8;
export const OPSET_ONNX = 17;
export const OPSET_ML = 3;
export const INPUT_NAME = 'features';
export const OUTPUT_NAME = 'probability';

const FLOAT = 1; // TensorProto.DataType.FLOAT
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const utf8 = new TextEncoder();

export type AttributeValue =
  | { float: number }
  | { int: number }
  | { string: string }
  | { floats: ArrayLike<number> }
  | { ints: ArrayLike<number> }
  | { strings: string[] };

export function attribute(name: string, value: AttributeValue): IAttributeProto {
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('int' in value) return { name, type: AttributeType.INT, i: value.int };
  if ('string' in value) return { name, type: AttributeType.STRING, s: utf8.encode(value.string) };
  if ('floats' in value) return { name, type: AttributeType.FLOATS, floats: Array.from(value.floats) };
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: Array.from(value.ints) };
  return { name, type: AttributeType.STRINGS, strings: value.strings.map((s) => utf8.encode(s)) };
}

export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, AttributeValue> = {},
  domain = '',
): INodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name: outputs[0] ?? opType,
    domain,
    attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
  };
}

/** A float32 constant tensor (initializer); values are rounded to float32. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  return { name, dims, dataType: FLOAT, floatData: Array.from(values, (v) => Math.fround(v)) };
}

/** A float32 tensor value [batch, ...rest] with a symbolic batch dimension. */
export function floatValue(name: string, rest: number[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, ...rest.map((d) => ({ dimValue: d }))] },
      },
    },
  };
}

export interface ModelParts {
  graphName: string;
  nFeatures: number;
  nodes: INodeProto[];
  initializers?: ITensorProto[];
  /** Include the ai.onnx.ml opset (tree ensembles). */
  usesMl?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Serialises a model with ModelWatch's contract: input "features" [batch, n], output "probability" [batch, 1]. */
export function encodeModel(parts: ModelParts): Uint8Array {
  const opsetImport = [{ domain: '', version: OPSET_ONNX }];
  if (parts.usesMl) opsetImport.push({ domain: 'ai.onnx.ml', version: OPSET_ML });
  const model = {
    irVersion: IR_VERSION,
    opsetImport,
    producerName: 'modelwatch',
    producerVersion: '1',
    docString: parts.docString ?? '',
    metadataProps: Object.entries(parts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: parts.graphName,
      node: parts.nodes,
      initializer: parts.initializers ?? [],
      input: [floatValue(INPUT_NAME, [parts.nFeatures])],
      output: [floatValue(OUTPUT_NAME, [1])],
    },
  };
  // A fresh, exactly sized Uint8Array (protobufjs may hand back a pooled Node Buffer).
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}
