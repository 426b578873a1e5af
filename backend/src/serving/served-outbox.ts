import type { PredictMetrics } from './predict.ts';
import type { PredictionRecord } from './prediction-log.ts';
import type { ShadowJob } from './shadow-scorer.ts';
import type { PredictionErrorType } from './serving-metrics.ts';
import type { MetricCall, ServedBatch, ShadowOffer } from './worker-protocol.ts';

export interface ServedOutboxOptions {
  post: (batch: ServedBatch) => void;
  /** A batch goes this long after its first entry (ms) ... */
  flushMs: number;
  /** ... or once it holds this many records. */
  maxRecords: number;
}

/**
 * The serving thread's prediction log, serving metrics and shadow port in one: it batches what
 * PredictService records and posts it to the main thread, which hands it to its own
 * PredictionLog, ServingMetrics and shadow scorer (serving/served-inbox.ts). One message per
 * few milliseconds keeps the main thread's share of serving to a loop of pushes.
 */
export class ServedOutbox implements PredictMetrics {
  private readonly options: ServedOutboxOptions;
  private records: ServedBatch['records'] = [];
  private metrics: MetricCall[] = [];
  private shadows: ShadowOffer[] = [];
  private timer: NodeJS.Timeout | undefined;

  readonly batchRows = { observe: (rows: number): void => this.add({ kind: 'batch', rows }) };
  readonly httpDuration = {
    observe: (labels: { method: string; route: string; status: string }, seconds: number): void => this.add({ kind: 'http', ...labels, seconds }),
  };

  constructor(options: ServedOutboxOptions) {
    this.options = options;
  }

  push(model: string, record: PredictionRecord): void {
    this.records.push({ model, record });
    if (this.records.length >= this.options.maxRecords) this.flush();
    else this.schedule();
  }

  answered(model: string, version: string, count: number, nonFinite: number, seconds: number): void {
    this.add({ kind: 'answered', model, version, count, nonFinite, seconds });
  }

  failed(model: string, version: string | undefined, type: PredictionErrorType, count: number, seconds?: number): void {
    this.add({ kind: 'failed', model, version, type, count, seconds });
  }

  offer(job: ShadowJob): void {
    const { shadow, ...rest } = job;
    this.shadows.push({ ...rest, shadowVersion: shadow.version });
    this.schedule();
  }

  /** Posts what is batched now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.records.length && !this.metrics.length && !this.shadows.length) return;
    const batch: ServedBatch = { type: 'served', records: this.records, metrics: this.metrics, shadows: this.shadows };
    this.records = [];
    this.metrics = [];
    this.shadows = [];
    this.options.post(batch);
  }

  private add(call: MetricCall): void {
    this.metrics.push(call);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.options.flushMs);
  }
}
