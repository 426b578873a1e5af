import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { invalid } from '../core/errors.ts';
import type { Feature } from '../models/model-schemas.ts';
import { modeFromDims, planModel, type InputPlan } from './onnx-inspect.ts';

export type FeatureRow = Readonly<Record<string, unknown>>;

/**
 * Rows already checked and laid out for one model: a row-major float matrix for the tensor
 * form, one column per input for the per-feature form. Batches from several requests are
 * concatenated cheaply (micro-batching).
 */
export interface EncodedRows {
  count: number;
  /** tensor form: count × width, row-major. */
  matrix?: Float32Array;
  /** per-feature form: one column per input. */
  columns?: Array<Float32Array | string[]>;
}

export interface SessionLoadOptions {
  /** Execution providers in order of preference, e.g. ['cuda', 'cpu']. */
  providers?: readonly string[];
  intraOpThreads?: number;
}

/** Execution-provider libraries onnxruntime-node loads at run time (not bundled with the npm package). */
const PROVIDER_LIBRARIES: Record<string, string> = {
  cuda: 'libonnxruntime_providers_cuda.so',
  tensorrt: 'libonnxruntime_providers_tensorrt.so',
};

let available: Set<string> | undefined;

/** Providers this build can use: bundled ones, plus those whose library is installed beside the binding. */
export function availableProviders(): Set<string> {
  if (available) return available;
  available = new Set(['cpu']);
  try {
    const require = createRequire(import.meta.url);
    const bindingDir = path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    for (const backend of ort.listSupportedBackends()) {
      const library = PROVIDER_LIBRARIES[backend.name];
      if (backend.bundled || (library && fs.existsSync(path.join(bindingDir, library)))) available.add(backend.name);
    }
  } catch {
    /* CPU only */
  }
  return available;
}

/** The providers to ask for: the configured ones this build has, then CPU. */
export function resolveProviders(requested: readonly string[] = ['cpu']): string[] {
  const have = availableProviders();
  const chosen = requested.filter((p) => p === 'cpu' || have.has(p));
  if (!chosen.includes('cpu')) chosen.push('cpu');
  return chosen;
}

/** One loaded, warmed ONNX model version, with the plan for feeding it. */
export class ModelSession {
  readonly session: ort.InferenceSession;
  readonly plan: InputPlan;
  readonly providers: string[];
  private readonly fetches: string[];

  constructor(session: ort.InferenceSession, plan: InputPlan, providers: string[]) {
    this.session = session;
    this.plan = plan;
    this.providers = providers;
    this.fetches = [plan.output];
  }

  /**
   * Checks rows and lays them out. Throws a 400 naming `where[i].features.<name>` when a
   * value the model needs is missing or of the wrong type.
   */
  encode(rows: readonly FeatureRow[], where: (index: number) => string): EncodedRows {
    const { plan } = this;
    const count = rows.length;
    if (plan.kind === 'tensor') {
      const width = plan.features.length;
      const matrix = new Float32Array(count * width);
      for (let r = 0; r < count; r++) {
        const row = rows[r]!;
        for (let c = 0; c < width; c++) {
          const name = plan.features[c]!.name;
          matrix[r * width + c] = numericValue(row[name], where(r), name);
        }
      }
      return { count, matrix };
    }
    const columns = plan.features.map((feature) => {
      if (feature.type === 'numeric') {
        const column = new Float32Array(count);
        for (let r = 0; r < count; r++) column[r] = numericValue(rows[r]![feature.name], where(r), feature.name);
        return column;
      }
      const column = new Array<string>(count);
      for (let r = 0; r < count; r++) column[r] = categoricalValue(rows[r]![feature.name], where(r), feature.name);
      return column;
    });
    return { count, columns };
  }

  /** Scores encoded rows: the positive-class probability of each. */
  async score(encoded: EncodedRows): Promise<Float64Array> {
    const { plan } = this;
    const feeds: Record<string, ort.Tensor> = {};
    if (plan.kind === 'tensor') {
      feeds[plan.input!] = new ort.Tensor('float32', encoded.matrix!, [encoded.count, plan.features.length]);
    } else {
      plan.features.forEach((feature, i) => {
        const column = encoded.columns![i]!;
        feeds[feature.name] =
          column instanceof Float32Array ? new ort.Tensor('float32', column, [encoded.count, 1]) : new ort.Tensor('string', column, [encoded.count, 1]);
      });
    }
    const result = await this.session.run(feeds, this.fetches);
    const tensor = result[plan.output]!;
    const data = tensor.data as ArrayLike<number>;
    const scores = new Float64Array(encoded.count);
    if (plan.outputMode === 'two_class') {
      for (let i = 0; i < encoded.count; i++) scores[i] = Number(data[i * 2 + 1]);
    } else {
      for (let i = 0; i < encoded.count; i++) scores[i] = Number(data[i]);
    }
    return scores;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function numericValue(value: unknown, where: string, name: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value === undefined || value === null) throw invalid(`${where}.features.${name}: missing; the model needs this numeric feature`);
  throw invalid(`${where}.features.${name}: expected a finite number, got ${JSON.stringify(value)}`);
}

function categoricalValue(value: unknown, where: string, name: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) return '';
  throw invalid(`${where}.features.${name}: expected a string category, got ${JSON.stringify(value)}`);
}

/** Concatenates encoded batches of the same session (micro-batching). */
export function concatEncoded(parts: readonly EncodedRows[]): EncodedRows {
  if (parts.length === 1) return parts[0]!;
  const count = parts.reduce((n, p) => n + p.count, 0);
  if (parts[0]!.matrix) {
    const matrix = new Float32Array(parts.reduce((n, p) => n + p.matrix!.length, 0));
    let offset = 0;
    for (const p of parts) {
      matrix.set(p.matrix!, offset);
      offset += p.matrix!.length;
    }
    return { count, matrix };
  }
  const columns = parts[0]!.columns!.map((first, i) => {
    if (first instanceof Float32Array) {
      const column = new Float32Array(count);
      let offset = 0;
      for (const p of parts) {
        column.set(p.columns![i] as Float32Array, offset);
        offset += p.count;
      }
      return column;
    }
    return parts.flatMap((p) => p.columns![i] as string[]);
  });
  return { count, columns };
}

/**
 * Loads an artifact, checks it against the contract, and warms it with a test run (which also
 * settles output shapes the file leaves symbolic). Throws a 400 saying what was found.
 */
export async function loadModelSession(bytes: Uint8Array, features: readonly Feature[], options: SessionLoadOptions = {}): Promise<ModelSession> {
  const providers = resolveProviders(options.providers);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: providers,
    logSeverityLevel: 3,
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
  };
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (error) {
    if (providers.length > 1) {
      // A configured accelerator that fails to start (driver, libraries) falls back to CPU.
      try {
        session = await ort.InferenceSession.create(bytes, { ...sessionOptions, executionProviders: ['cpu'] });
        providers.splice(0, providers.length, 'cpu');
      } catch {
        throw invalid(`artifact: onnxruntime cannot load it: ${firstLine(error)}`);
      }
    } else {
      throw invalid(`artifact: onnxruntime cannot load it: ${firstLine(error)}`);
    }
  }
  try {
    const plan = planModel(session.inputMetadata, session.outputMetadata, features);
    const model = new ModelSession(session, plan, providers);
    await warm(model);
    return model;
  } catch (error) {
    await session.release().catch(() => undefined);
    throw error;
  }
}

async function warm(model: ModelSession): Promise<void> {
  const { plan } = model;
  const rows = [0, 1].map(() => Object.fromEntries(plan.features.map((f) => [f.name, f.type === 'numeric' ? 0 : ''])));
  const encoded = model.encode(rows, (i) => `warmup[${i}]`);
  let dims: readonly number[];
  try {
    const feeds: Record<string, ort.Tensor> = {};
    if (plan.kind === 'tensor') feeds[plan.input!] = new ort.Tensor('float32', encoded.matrix!, [2, plan.features.length]);
    else
      plan.features.forEach((f, i) => {
        const column = encoded.columns![i]!;
        feeds[f.name] = column instanceof Float32Array ? new ort.Tensor('float32', column, [2, 1]) : new ort.Tensor('string', column, [2, 1]);
      });
    const out = await model.session.run(feeds, [plan.output]);
    dims = out[plan.output]!.dims;
  } catch (error) {
    throw invalid(`artifact: a test run on 2 rows of zeros failed: ${firstLine(error)}`);
  }
  const mode = modeFromDims(dims, 2);
  if (!mode) {
    throw invalid(`artifact: output "${plan.output}" has shape [${dims.join(', ')}] for a batch of 2; expected [2, 1], [2] or [2, 2]`);
  }
  plan.outputMode = mode;
  await model.score(model.encode(rows.slice(0, 1), (i) => `warmup[${i}]`));
}

// onnxruntime colours some messages for terminals.
// eslint-disable-next-line no-control-regex
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(ANSI_COLOUR, '').slice(0, 500);
