import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { DomainError, invalid, notFound } from '../core/errors.ts';
import { MAX_UNIT_ID } from '../monitor/ingest-records.ts';
import { MicroBatcher } from './micro-batcher.ts';
import type { EncodedRows, FeatureRow, ModelSession } from '../onnx/onnx-session.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { RouteDecision, TrafficRouter } from './router.ts';
import type { ServingConfig } from '../core/config.ts';
import type { PredictionErrorType, ServingMetrics } from './serving-metrics.ts';
import { CHAMPION_ARM } from '../monitor/rollup.ts';
import type { ShadowScorer } from './shadow-scorer.ts';

export interface PredictInput {
  unitId?: string | undefined;
  features?: Record<string, unknown> | undefined;
  instances?: unknown[] | undefined;
}

export interface Prediction {
  predictionId: string;
  version: string;
  arm: string;
  /** Positive-class probability; null only when the model produced no finite number. */
  score: number | null;
}

interface Item {
  unitId: string | undefined;
  features: FeatureRow;
  where: string;
}

interface Group {
  decision: RouteDecision;
  indexes: number[];
}

/** The serving metrics PredictService records (the serving thread forwards them to the main thread's). */
export interface PredictMetrics {
  answered: ServingMetrics['answered'];
  failed: ServingMetrics['failed'];
  batchRows: { observe(rows: number): void };
}

export interface PredictServiceDeps {
  router: TrafficRouter;
  log: Pick<PredictionLog, 'push'>;
  metrics: PredictMetrics;
  config: ServingConfig;
  /** Asked only when routing fails: an unknown model is a 404, a known one without a champion a 422. */
  models: { find(model: string): Promise<unknown> };
  clock: Clock;
  /** Scores the champion's requests again with the model's shadow, after the reply (shadow-scorer.ts). */
  shadow: Pick<ShadowScorer, 'offer'>;
}

/**
 * POST /predict: routes each instance (experiment arm, canary share or champion), scores
 * them with the version's ONNX session (through the micro-batcher when enabled), answers,
 * and hands each prediction to the monitor's buffer with its latency and error status; the
 * champion's share goes on to the model's shadow, if any, scored after the reply.
 */
export class PredictService {
  private readonly deps: PredictServiceDeps;
  private readonly batchers = new WeakMap<ModelSession, MicroBatcher>();

  constructor(deps: PredictServiceDeps) {
    this.deps = deps;
  }

  async predict(model: string, input: PredictInput): Promise<{ predictions: Prediction[] }> {
    const started = performance.now();
    let items: Item[] = [];
    let encoded: Array<{ group: Group; rows: EncodedRows }>;
    try {
      items = this.items(input);
      encoded = this.encode(items, await this.routeAll(model, items));
    } catch (error) {
      this.countRefused(model, error, items.length || input.instances?.length || 1);
      throw error;
    }
    const predictions = new Array<Prediction>(items.length);
    const now = this.deps.clock.now();
    // A prediction's latency is the request's shared work (routing, encoding) plus its own
    // version's scoring. onnxruntime-node runs each session.run on the main thread, so the
    // groups of a request that mixes versions (an experiment's arms) score one after
    // another; timed from the request's start, the later group would carry the earlier
    // one's run and a latency guardrail would blame the version scored second.
    const shared = performance.now() - started;
    for (const { group, rows } of encoded) {
      const { version, arm } = group.decision;
      const scoring = performance.now();
      let scores: Float64Array;
      try {
        scores = await this.score(group.decision.session, rows);
      } catch (error) {
        const latencyMs = shared + performance.now() - scoring;
        const message = error instanceof Error ? error.message : String(error);
        for (const i of group.indexes) {
          this.deps.log.push(model, { id: randomUUID(), ts: now, version, arm, features: items[i]!.features as Record<string, unknown>, score: null, latencyMs, error: message.slice(0, 500), ...unitOf(items[i]!) });
        }
        this.deps.metrics.failed(model, version, 'model_error', group.indexes.length, latencyMs / 1000);
        throw new DomainError('unavailable', `model "${model}" version "${version}" failed to score: ${message.split('\n')[0]}`);
      }
      const latencyMs = shared + performance.now() - scoring;
      let nonFinite = 0;
      group.indexes.forEach((i, k) => {
        const raw = scores[k]!;
        const score = Number.isFinite(raw) ? raw : null;
        if (score === null) nonFinite++;
        const predictionId = randomUUID();
        predictions[i] = { predictionId, version, arm, score };
        this.deps.log.push(model, {
          id: predictionId,
          ts: now,
          version,
          arm,
          features: items[i]!.features as Record<string, unknown>,
          score,
          latencyMs,
          ...(score === null ? { error: 'model produced a non-finite score' } : {}),
          ...unitOf(items[i]!),
        });
      });
      this.deps.metrics.answered(model, version, group.indexes.length, nonFinite, latencyMs / 1000);
    }
    this.offerShadow(model, encoded, items, predictions, now);
    return { predictions };
  }

  /** Hands the champion's share of the request to the shadow scorer, which scores it after the reply. */
  private offerShadow(model: string, encoded: Array<{ group: Group }>, items: Item[], predictions: Prediction[], ts: number): void {
    const shadow = this.deps.router.shadow(model);
    if (!shadow) return;
    for (const { group } of encoded) {
      if (group.decision.arm !== CHAMPION_ARM || group.decision.version === shadow.version) continue;
      const rows = group.indexes.map((i) => ({ features: items[i]!.features, where: items[i]!.where, championScore: predictions[i]!.score }));
      this.deps.shadow.offer({ model, shadow, championVersion: group.decision.version, ts, rows });
    }
  }

  /**
   * Groups the routed items by session and arm (one batch per version and arm: an A/A test
   * serves one version in two arms, and each item must be logged under its own) and encodes
   * each group's rows.
   */
  private encode(items: Item[], decisions: RouteDecision[]): Array<{ group: Group; rows: EncodedRows }> {
    const bySession = new Map<ModelSession, Map<string, Group>>();
    decisions.forEach((decision, i) => {
      let byArm = bySession.get(decision.session);
      if (!byArm) bySession.set(decision.session, (byArm = new Map()));
      const group = byArm.get(decision.arm);
      if (group) group.indexes.push(i);
      else byArm.set(decision.arm, { decision, indexes: [i] });
    });
    return [...bySession.values()].flatMap((byArm) => [...byArm.values()]).map((group) => ({
      group,
      rows: group.decision.session.encode(
        group.indexes.map((i) => items[i]!.features),
        (k) => items[group.indexes[k]!]!.where,
      ),
    }));
  }

  /** Counts a request refused before any version scored it; only for models the router serves (the URL's model name is the caller's text). */
  private countRefused(model: string, error: unknown, count: number): void {
    if (this.deps.router.champion(model) === undefined) return;
    this.deps.metrics.failed(model, undefined, refusalType(error), count);
  }

  private score(session: ModelSession, rows: EncodedRows): Promise<Float64Array> {
    const { microBatch } = this.deps.config;
    if (!microBatch.enabled) {
      this.deps.metrics.batchRows.observe(rows.count);
      return session.score(rows);
    }
    let batcher = this.batchers.get(session);
    if (!batcher) {
      batcher = new MicroBatcher(session, { ...microBatch, onRun: (n) => this.deps.metrics.batchRows.observe(n) });
      this.batchers.set(session, batcher);
    }
    return batcher.score(rows);
  }

  private async routeAll(model: string, items: Item[]): Promise<RouteDecision[]> {
    try {
      if (items.length === 1) return [await this.deps.router.route(model, items[0]!.unitId)];
      return await Promise.all(items.map((item) => this.deps.router.route(model, item.unitId)));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'failed_precondition' && !(await this.deps.models.find(model))) {
        throw notFound(`model "${model}" not found; create it with POST /api/v1/models`);
      }
      throw error;
    }
  }

  private items(input: PredictInput): Item[] {
    const { features, instances, unitId } = input;
    if (features !== undefined && instances !== undefined) throw invalid('body: send either "features" (one instance) or "instances" (several), not both');
    if (features !== undefined) return [{ unitId, features, where: 'body' }];
    if (instances === undefined) throw invalid('body: expected {"features": {...}} or {"instances": [...]}');
    if (instances.length === 0) throw invalid('body.instances: must hold at least one instance');
    if (instances.length > this.deps.config.maxInstances) {
      throw invalid(`body.instances: at most ${this.deps.config.maxInstances} instances per request, got ${instances.length}`);
    }
    return instances.map((instance, i) => {
      const where = `body.instances[${i}]`;
      if (instance === null || typeof instance !== 'object' || Array.isArray(instance)) throw invalid(`${where}: expected an object`);
      const object = instance as Record<string, unknown>;
      const nested = object.features;
      if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) {
        const own = object.unitId;
        if (own !== undefined && !((typeof own === 'string' && own.length > 0 && own.length <= MAX_UNIT_ID) || (typeof own === 'number' && Number.isFinite(own)))) {
          throw invalid(`${where}.unitId: expected a non-empty string of at most ${MAX_UNIT_ID} characters or a number`);
        }
        return { unitId: own === undefined ? unitId : String(own), features: nested as FeatureRow, where };
      }
      return { unitId, features: object, where };
    });
  }
}

const refusalType = (error: unknown): PredictionErrorType => {
  if (!(error instanceof DomainError)) return 'internal';
  if (error.code === 'invalid_argument') return 'validation';
  return error.code === 'unavailable' ? 'unavailable' : 'internal';
};

/** The unit id as the logged record carries it (absent when the request named none). */
const unitOf = (item: Item): { unitId?: string } => (item.unitId === undefined ? {} : { unitId: item.unitId });
