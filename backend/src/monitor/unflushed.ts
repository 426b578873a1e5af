/**
 * This process's counts between ingest and flush: the rollup buffer, the batches applied to
 * it, and whether a flush is writing them (queries wait for it, or they would count a
 * rollup twice or not at all).
 */
import { RollupBuffer } from './rollup-buffer.ts';
import type { Rollup } from './rollup.ts';

export class Unflushed {
  readonly buffer = new RollupBuffer();
  /** Batches applied to the buffer, not yet flushed. */
  private applied: number[] = [];
  private writing: Promise<void> | null = null;
  /** Flushes begun so far: a reader that saw it change read during a flush. */
  private starts = 0;
  /** Told what each flush writes as it starts (closed-buckets.ts drops those buckets). */
  private readonly flushListeners: ((rollups: readonly Rollup[]) => void)[] = [];

  get flushStarts(): number {
    return this.starts;
  }

  onFlushStart(listener: (rollups: readonly Rollup[]) => void): void {
    this.flushListeners.push(listener);
  }

  markApplied(batch: number): void {
    this.applied.push(batch);
  }

  /** Takes every buffered rollup and applied batch (the flush writes them). */
  take(): { rollups: Rollup[]; batches: number[] } {
    const batches = this.applied;
    this.applied = [];
    return { rollups: this.buffer.drain(), batches };
  }

  /** Writes what `take` returned with `write`; puts it back when that fails. */
  async write(taken: { rollups: Rollup[]; batches: number[] }, write: () => Promise<void>): Promise<void> {
    this.starts++;
    for (const listener of this.flushListeners) listener(taken.rollups);
    const done = write();
    this.writing = done;
    try {
      await done;
    } catch (error) {
      this.buffer.restore(taken.rollups);
      this.applied = [...taken.batches, ...this.applied];
      throw error;
    } finally {
      this.writing = null;
    }
  }

  /** Resolves once no flush is writing. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }
}
