/**
 * The monitor's process lifecycle: at start it registers, replays batches left pending by
 * dead processes and starts the flush timer (every flushIntervalMs); flushes run one at a
 * time and first adopt dead processes' batches (and sweep parked outcomes) every
 * adoptionIntervalMs; close flushes and unregisters. With flushIntervalMs 0 there is no timer:
 * whoever steps the service (scenarios/engine.ts) calls flush() itself.
 */
import { flushOnce } from './flush.ts';
import type { MonitorContext } from './monitor-context.ts';
import { maintainParking } from './outcome-parking.ts';
import { replayOrphans } from './recover.ts';

export interface LifecycleOptions {
  flushIntervalMs?: number;
  adoptionIntervalMs?: number;
}

export class MonitorLifecycle {
  private readonly ctx: MonitorContext;
  private readonly flushIntervalMs: number;
  private readonly adoptionIntervalMs: number;
  private flushChain: Promise<void> = Promise.resolve();
  private lastAdoption = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(ctx: MonitorContext, options: LifecycleOptions) {
    this.ctx = ctx;
    this.flushIntervalMs = options.flushIntervalMs ?? 10_000;
    this.adoptionIntervalMs = options.adoptionIntervalMs ?? 60_000;
  }

  /** Registers this process, replays batches left by dead ones, starts the flush timer. */
  async start(): Promise<void> {
    await this.ctx.journal.register(Date.now());
    try {
      await this.recover();
    } catch (error) {
      // Replayed counts stay buffered (a failed flush puts them back) and the raw rows stay
      // pending: the flush timer retries. Refusing to start would turn one bad flush into an outage.
      this.ctx.logger.error({ err: error }, 'monitor: recovery flush failed at start; will retry');
    }
    if (this.flushIntervalMs > 0) {
      this.timer = setInterval(() => {
        this.flush().catch((error: unknown) => this.ctx.logger.error({ err: error }, 'monitor flush failed; will retry'));
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Flushes everything and unregisters. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    try {
      await this.flush();
    } catch (error) {
      // Raw records are durable: the next process replays what this flush could not write.
      this.ctx.logger.error({ err: error }, 'monitor: final flush failed; the pending batches will be replayed at the next start');
    }
    await this.ctx.journal.unregister().catch(() => undefined);
  }

  /** Test hook: stop without flushing, as if the process had been killed. */
  abandon(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.ctx.journal.abandon();
  }

  /**
   * Replays the pending batches of dead processes into this one's rollups (and flushes
   * them, unless called from within a flush, which writes them next).
   */
  async recover(flushAfter = true): Promise<number> {
    // Infrastructure time (heartbeats, adoption) is wall time; data time is ctx.now().
    const wall = Date.now();
    this.lastAdoption = wall;
    const { batches, records } = await replayOrphans(this.ctx, wall);
    // Parked outcomes: join those a dead process left beside their stored prediction, expire
    // old ones. A failure here must not hold up the flush: parked rows wait for the next pass.
    const joined = await maintainParking(this.ctx, this.ctx.now()).catch((error: unknown) => {
      this.ctx.logger.error({ err: error }, 'monitor: parked outcome sweep failed; will retry');
      return 0;
    });
    if ((batches > 0 || joined > 0) && flushAfter) await this.flush();
    return records;
  }

  /** Adds every buffered rollup to the store (serialised: one flush at a time). */
  flush(): Promise<void> {
    const run = this.flushChain.then(async () => {
      const now = Date.now();
      if (!this.closed && now - this.lastAdoption >= this.adoptionIntervalMs) await this.recover(false);
      await flushOnce(this.ctx, now);
    });
    this.flushChain = run.catch(() => undefined);
    return run;
  }
}
