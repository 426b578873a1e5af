import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SHADOW_ARM } from '../monitor/rollup.ts';
import type { FeatureRow } from '../onnx/onnx-session.ts';
import type { PredictionLog } from './prediction-log.ts';
import type { ShadowDecision } from './router.ts';
import type { ShadowMetrics } from './shadow-metrics.ts';
import type { ShadowPairs } from './shadow-pairs.ts';

/** The champion's side of one request, as the shadow scores it again. */
export interface ShadowJob {
  model: string;
  shadow: ShadowDecision;
  championVersion: string;
  ts: number;
  rows: Array<{ features: FeatureRow; where: string; championScore: number | null }>;
}

/** Share of the prediction log's bound the shadow may fill: the rest stays for served predictions. */
export const SHADOW_LOG_SHARE = 0.5;

export interface ShadowScorerOptions {
  log: Pick<PredictionLog, 'push' | 'hasRoom'>;
  pairs: Pick<ShadowPairs, 'add'>;
  metrics: ShadowMetrics;
  logger: Logger;
  /** Rows waiting at most; an offer beyond it is dropped and counted. */
  maxQueued: number;
  /**
   * false: nothing is scored until idle() is called (a stepped service, compose/server.ts
   * createSteppedContext: the minute's shadow work runs in offer order at the flush, so the
   * log's record order, and the scenario figures, do not depend on timing). Default true.
   */
  eager?: boolean;
}

/**
 * Scores the champion's requests again with the model's shadow version, off the request's
 * critical path: /predict only offers the request (a push onto a bounded queue) and answers;
 * the queue is worked one request per setImmediate turn, after the reply has been written.
 * When the queue is full, or the prediction log is more than half full, the request is dropped
 * and counted, so a slow or failing shadow can never slow serving or fail it, nor crowd the
 * champion's records out of the log. Shadow predictions are logged under the built-in arm
 * `shadow` with ids of their own (outcomes name the champion's id, so they join only the
 * champion) and no unit id (they are no exposure of any unit).
 */
export class ShadowScorer {
  private readonly options: ShadowScorerOptions;
  private readonly queue: ShadowJob[] = [];
  private queuedRows = 0;
  private scheduled = false;
  /** idle() was called: work until the queue is empty, eager or not. */
  private draining = false;
  private running: Promise<void> | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(options: ShadowScorerOptions) {
    this.options = options;
  }

  offer(job: ShadowJob): void {
    const n = job.rows.length;
    if (this.queuedRows + n > this.options.maxQueued) {
      this.options.metrics.dropped.inc({ model: job.model, reason: 'overflow' }, n);
      return;
    }
    // The shadow's records must never crowd the champion's out of the log (its bound drops records).
    if (!this.options.log.hasRoom(this.queuedRows + n, SHADOW_LOG_SHARE)) {
      this.options.metrics.dropped.inc({ model: job.model, reason: 'log_busy' }, n);
      return;
    }
    this.queue.push(job);
    this.queuedRows += n;
    this.schedule();
  }

  /** Resolves once every offered request has been scored (tests, the stepped engine, shutdown). */
  idle(): Promise<void> {
    if (!this.queue.length && !this.running) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.schedule(true);
    return done;
  }

  private schedule(drain = false): void {
    if (this.scheduled || this.running || !(drain || this.draining || this.options.eager !== false)) return;
    this.draining = drain || this.draining;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const job = this.queue.shift();
      if (!job) return this.wake();
      this.running = this.run(job).finally(() => {
        this.queuedRows -= job.rows.length;
        this.running = undefined;
        if (this.queue.length) this.schedule();
        else this.wake();
      });
    });
  }

  private wake(): void {
    if (this.queue.length || this.running) return;
    this.draining = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async run(job: ShadowJob): Promise<void> {
    const { model, shadow, championVersion, ts, rows } = job;
    const { log, pairs, metrics } = this.options;
    const started = performance.now();
    let scores: Float64Array;
    try {
      scores = await shadow.session.score(shadow.session.encode(rows.map((r) => r.features), (k) => rows[k]!.where));
    } catch (error) {
      const latencyMs = performance.now() - started;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      for (const r of rows) log.push(model, { id: randomUUID(), ts, version: shadow.version, arm: SHADOW_ARM, features: r.features as Record<string, unknown>, score: null, latencyMs, error: message });
      metrics.scored.inc({ model, status: 'error' }, rows.length);
      this.options.logger.debug({ err: error, model, version: shadow.version }, 'shadow failed to score');
      return;
    }
    const latencyMs = performance.now() - started;
    const { thresholds } = shadow;
    let ok = 0;
    let paired = 0;
    let agreed = 0;
    rows.forEach((r, k) => {
      const raw = scores[k]!;
      const score = Number.isFinite(raw) ? raw : null;
      log.push(model, {
        id: randomUUID(),
        ts,
        version: shadow.version,
        arm: SHADOW_ARM,
        features: r.features as Record<string, unknown>,
        score,
        latencyMs,
        ...(score === null ? { error: 'model produced a non-finite score' } : {}),
      });
      if (score === null) return;
      ok++;
      if (r.championScore === null) return;
      const agree = r.championScore >= thresholds.champion === score >= thresholds.shadow;
      pairs.add(model, shadow.version, championVersion, ts, r.championScore, score, agree);
      paired++;
      if (agree) agreed++;
    });
    if (ok) metrics.scored.inc({ model, status: 'ok' }, ok);
    if (rows.length - ok) metrics.scored.inc({ model, status: 'error' }, rows.length - ok);
    if (paired) metrics.pairs.inc({ model }, paired);
    if (agreed) metrics.agreements.inc({ model }, agreed);
  }
}
