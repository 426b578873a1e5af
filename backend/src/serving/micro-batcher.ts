import { concatEncoded, type EncodedRows, type ModelSession } from '../onnx/onnx-session.ts';

export interface MicroBatchOptions {
  /** Rows per session.run at most. */
  maxRows: number;
  /**
   * 0 (default): adaptive — a request finding the session idle runs at once (no added
   * latency); requests arriving while a run is in flight wait for it and then run together
   * as one batch. > 0: the first waiting request holds the batch open this many ms.
   */
  maxWaitMs: number;
  /** Told the size of each run (metrics). */
  onRun?: (rows: number) => void;
}

interface Waiting {
  rows: EncodedRows;
  resolve: (scores: Float64Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers concurrent requests for one session into one `session.run`. onnxruntime-node runs
 * each call synchronously on the main thread after a setImmediate hop, so the per-call cost
 * (tensor wrapping, feed checks, the hop) is paid once per batch instead of once per request.
 * With the adaptive default a lone request never waits; batches form only under load, where
 * they raise throughput.
 */
export class MicroBatcher {
  private readonly session: ModelSession;
  private readonly options: MicroBatchOptions;
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(session: ModelSession, options: MicroBatchOptions) {
    this.session = session;
    this.options = options;
  }

  score(rows: EncodedRows): Promise<Float64Array> {
    return new Promise<Float64Array>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.count;
      if (this.options.maxWaitMs > 0) {
        if (this.queuedRows >= this.options.maxRows) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
      } else if (!this.running) {
        this.flush();
      }
    });
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return;
    // Take up to maxRows (at least one request, whatever its size).
    let take = 0;
    let rows = 0;
    while (take < this.queue.length && (take === 0 || rows + this.queue[take]!.rows.count <= this.options.maxRows)) {
      rows += this.queue[take]!.rows.count;
      take++;
    }
    const batch = this.queue.splice(0, take);
    this.queuedRows -= rows;
    this.running = true;
    const merged = concatEncoded(batch.map((w) => w.rows));
    this.options.onRun?.(merged.count);
    this.session.score(merged).then(
      (scores) => {
        let offset = 0;
        for (const waiting of batch) {
          waiting.resolve(scores.subarray(offset, offset + waiting.rows.count));
          offset += waiting.rows.count;
        }
        this.done();
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
        this.done();
      },
    );
  }

  private done(): void {
    this.running = false;
    if (this.queue.length === 0) return;
    if (this.options.maxWaitMs > 0 && this.queuedRows < this.options.maxRows) this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    else this.flush();
  }
}
