import { concatEncoded, type EncodedRows, type ModelSession } from './onnx-session.ts';

export interface MicroBatchOptions {
  /** Rows per session.run at most; a full batch runs at once. */
  maxRows: number;
  /**
   * How long the first waiting request may wait for company, in ms. 0: gather only what
   * arrives in the same event-loop turn (setImmediate), adding no timer latency.
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
 * each call synchronously on the main thread after a setImmediate hop, so per-call overhead
 * (tensor wrapping, feeds checks, the hop) is paid once per batch instead of once per request.
 */
export class MicroBatcher {
  private readonly session: ModelSession;
  private readonly options: MicroBatchOptions;
  private queue: Waiting[] = [];
  private queuedRows = 0;
  private scheduled = false;

  constructor(session: ModelSession, options: MicroBatchOptions) {
    this.session = session;
    this.options = options;
  }

  score(rows: EncodedRows): Promise<Float64Array> {
    return new Promise<Float64Array>((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.count;
      if (this.queuedRows >= this.options.maxRows) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        if (this.options.maxWaitMs > 0) setTimeout(() => this.flush(), this.options.maxWaitMs);
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.queuedRows = 0;
    const merged = concatEncoded(batch.map((w) => w.rows));
    this.options.onRun?.(merged.count);
    this.session.score(merged).then(
      (scores) => {
        let offset = 0;
        for (const waiting of batch) {
          waiting.resolve(scores.subarray(offset, offset + waiting.rows.count));
          offset += waiting.rows.count;
        }
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }
}
