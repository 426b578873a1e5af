import type { Logger } from 'pino';
import { bucketOf } from '../monitor/rollup.ts';
import type { PairRow, ShadowStore } from './shadow-store.ts';

export interface ShadowPairsOptions {
  store: Pick<ShadowStore, 'addPairs'>;
  logger: Logger;
  /** Write the sums this often (ms); 0: only when flush() is called (scenarios/engine.ts steps it). */
  flushMs: number;
  onLost?: (model: string, pairs: number) => void;
}

/**
 * Per (model, shadow version, champion version, minute): how many champion/shadow score pairs,
 * Σ|diff|, Σdiff² and how many agree on the decision, summed in memory and added to
 * `shadow_pairs` on each flush (a sum, so replicas and flushes add up).
 */
export class ShadowPairs {
  private readonly options: ShadowPairsOptions;
  private pending = new Map<string, PairRow>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(options: ShadowPairsOptions) {
    this.options = options;
  }

  add(model: string, shadowVersion: string, championVersion: string, ts: number, champion: number, shadow: number, agree: boolean): void {
    const bucketStart = bucketOf(ts);
    const key = `${model}\u0000${shadowVersion}\u0000${championVersion}\u0000${bucketStart}`;
    let row = this.pending.get(key);
    if (!row) this.pending.set(key, (row = { model, shadowVersion, championVersion, bucketStart, pairs: 0, absDiffSum: 0, sqDiffSum: 0, agree: 0 }));
    const diff = shadow - champion;
    row.pairs++;
    row.absDiffSum += Math.abs(diff);
    row.sqDiffSum += diff * diff;
    if (agree) row.agree++;
    if (!this.timer && this.options.flushMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is pending (and waits for a write in flight). */
  async flush(): Promise<void> {
    await this.writing;
    if (!this.pending.size) return;
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.writing = this.options.store
      .addPairs(rows)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, rows: rows.length }, 'writing shadow pair sums failed; they are lost');
        for (const r of rows) this.options.onLost?.(r.model, r.pairs);
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
