/**
 * External-data initializers name files beside the model (`location`); onnxruntime would
 * open them from the service's working directory. An uploaded artifact must be one
 * self-contained file, so any tensor stored externally — in the graph, in a subgraph (Loop,
 * If, Scan bodies) or a sparse initializer — is refused before onnxruntime sees it.
 */
import onnxProto from 'onnx-proto';
import { invalid } from '../core/errors.ts';

const { onnx } = onnxProto;
type IGraphProto = onnxProto.onnx.IGraphProto;
type ITensorProto = onnxProto.onnx.ITensorProto;

const EXTERNAL = 1; // TensorProto.DataLocation.EXTERNAL

function externalName(tensor: ITensorProto | null | undefined): string | undefined {
  if (!tensor) return undefined;
  if (tensor.dataLocation === EXTERNAL || (tensor.externalData?.length ?? 0) > 0) return tensor.name || '(unnamed)';
  return undefined;
}

function findExternal(graph: IGraphProto | null | undefined, depth: number): string | undefined {
  if (!graph || depth > 32) return undefined;
  for (const t of graph.initializer ?? []) {
    const name = externalName(t);
    if (name) return name;
  }
  for (const s of graph.sparseInitializer ?? []) {
    const name = externalName(s.values) ?? externalName(s.indices);
    if (name) return name;
  }
  for (const n of graph.node ?? []) {
    for (const a of n.attribute ?? []) {
      const name = externalName(a.t) ?? (a.tensors ?? []).map(externalName).find(Boolean);
      if (name) return name;
      for (const g of [a.g, ...(a.graphs ?? [])]) {
        const inner = findExternal(g, depth + 1);
        if (inner) return inner;
      }
    }
  }
  return undefined;
}

/** Throws a 400 when the artifact stores any tensor externally. Bytes that do not decode are left to onnxruntime, which says why. */
export function assertSelfContained(bytes: Uint8Array): void {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch {
    return;
  }
  const name = findExternal(model.graph, 0);
  if (name) throw invalid(`artifact: initializer "${name}" keeps its data in an external file; save the model as one self-contained file (no external data)`);
}
