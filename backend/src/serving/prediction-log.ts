import type { Logger } from 'pino';

/** The prediction record of docs/api.md, as serving logs it. */
export interface PredictionRecord {
  id: string;
  ts: number;
  version: string;
  arm?: string;
  features: Record<string, unknown>;
  score: number | null;
  latencyMs: number;
  error?: string;
  /** The randomization unit the router hashed (experiments analyse by it). */
  unitId?: string;
}

/** The monitor, as far as serving needs it. */
export interface PredictionSink {
  ingestPredictions(
    model: string,
    records: unknown[],
    options?: { source?: string },
  ): Promise<{ accepted: number; rejected: Array<{ index: number; error: string }> }>;
}

export interface PredictionLogOptions {
  sink: PredictionSink;
  logger: Logger;
  /** Flush a model's buffer this long after its first record (ms). */
  flushMs: number;
  /** ... or as soon as it holds this many records. */
  maxBatch: number;
  /** Records buffered or being written at most; beyond it new records are dropped (and counted). */
  maxQueued: number;
  onDropped?: (model: string, count: number, why: 'overflow' | 'ingest_failed' | 'rejected') => void;
  /** false: no flush timer; whoever steps the service calls flush() (scenarios/engine.ts). Default true. */
  timers?: boolean;
}

/**
 * Logs served predictions to the monitor in-process, off the reply path: records wait in a
 * small per-model buffer flushed every few milliseconds or every `maxBatch` records, so a
 * predict reply never waits for a database write.
 *
 * Durability trade-off: a prediction is answered before its record is durable. A crash
 * (kill -9, power loss) loses at most the records buffered in the last `flushMs` plus any
 * flush in flight; a clean shutdown flushes everything (close()). Outcomes sent for a
 * record still buffered are not lost: the monitor parks them, durable, and joins them when
 * the record lands (monitor/outcome-parking.ts); after a crash that lost the record they
 * expire at the end of the parking window and are counted. If the monitor falls
 * behind, the buffer is bounded (`maxQueued`, flushes in flight included): further records are dropped and counted
 * (modelwatch_prediction_log_dropped_total) rather than letting memory grow or slowing
 * predictions down.
 */
export class PredictionLog {
  private readonly options: PredictionLogOptions;
  private readonly buffers = new Map<string, PredictionRecord[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Records buffered or in a flush not yet answered. */
  private queued = 0;
  private closed = false;

  constructor(options: PredictionLogOptions) {
    this.options = options;
  }

  /** Whether `count` more records keep the log within `share` of its bound (the shadow scorer leaves the rest to served predictions). */
  hasRoom(count: number, share: number): boolean {
    return this.queued + count <= this.options.maxQueued * share;
  }

  push(model: string, record: PredictionRecord): void {
    // Bounded: records buffered plus records in flushes not yet answered.
    if (this.queued >= this.options.maxQueued) {
      this.options.onDropped?.(model, 1, 'overflow');
      return;
    }
    let buffer = this.buffers.get(model);
    if (!buffer) {
      buffer = [];
      this.buffers.set(model, buffer);
    }
    buffer.push(record);
    this.queued++;
    if (buffer.length >= this.options.maxBatch) this.flushModel(model);
    else if (!this.timer && !this.closed && this.options.timers !== false) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        for (const name of [...this.buffers.keys()]) this.flushModel(name);
      }, this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Flushes everything buffered and waits for all flushes in flight. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const name of [...this.buffers.keys()]) this.flushModel(name);
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private flushModel(model: string): void {
    const buffer = this.buffers.get(model);
    if (!buffer?.length) return;
    this.buffers.delete(model);
    const work = this.options.sink
      .ingestPredictions(model, buffer, { source: 'serving' })
      .then((result) => {
        if (result.rejected.length) {
          this.options.onDropped?.(model, result.rejected.length, 'rejected');
          this.options.logger.warn({ model, rejected: result.rejected.length, first: result.rejected[0] }, 'monitor rejected served predictions');
        }
      })
      .catch((error: unknown) => {
        this.options.onDropped?.(model, buffer.length, 'ingest_failed');
        this.options.logger.error({ err: error, model, records: buffer.length }, 'logging served predictions failed');
      })
      .finally(() => {
        this.queued -= buffer.length;
        this.inFlight.delete(work);
      });
    this.inFlight.add(work);
  }
}
