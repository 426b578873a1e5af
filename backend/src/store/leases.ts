/**
 * Named leases in the store, so that exactly one replica runs each control loop (issue 20):
 * a row per lease with its holder and expiry, taken with one upsert that only overwrites an
 * expired row or the holder's own (SQLite and PostgreSQL alike; advisory locks would be
 * PostgreSQL-only). The holder renews it every third of the lease period; a holder that dies
 * stops renewing, and another replica takes the lease over once it has expired, so within one
 * period. Times are wall-clock ms: they are compared across processes, not with data time.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Store } from './database.ts';

/** A replica's holder id, `<host>:<pid>:<random>` like a job worker's (jobs/job-service.ts). */
export const newHolderId = (): string => `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export interface LeaseHolder {
  holder: string;
  expiresAt: number;
}

/** The work a lease guards; the signal aborts when the lease is lost (a renewal failed or found another holder). */
export type LeasedWork = (signal: AbortSignal) => Promise<void>;

export class Leases {
  readonly holder: string;
  readonly ttlMs: number;
  private readonly store: Store;
  private readonly logger: Logger;

  constructor(store: Store, options: { holder: string; ttlMs: number; logger: Logger }) {
    this.store = store;
    this.holder = options.holder;
    this.ttlMs = options.ttlMs;
    this.logger = options.logger;
  }

  /** Takes the lease when it is free, expired or already ours (then renews it); true when we hold it now. */
  async acquire(name: string): Promise<boolean> {
    const now = Date.now();
    const expires = now + this.ttlMs;
    const row = await this.store.db
      .insertInto('leases')
      .values({ name, holder: this.holder, acquired_at: now, heartbeat_at: now, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet((eb) => ({
            holder: this.holder,
            // Kept when we renew our own; a takeover starts a new tenure.
            acquired_at: eb.case().when('leases.holder', '=', this.holder).then(eb.ref('leases.acquired_at')).else(now).end(),
            heartbeat_at: now,
            expires_at: expires,
          }))
          .where((eb) => eb.or([eb('leases.holder', '=', this.holder), eb('leases.expires_at', '<', now)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === this.holder;
  }

  /** Extends our lease; false when it is no longer ours (expired and taken by another, or released). */
  async renew(name: string): Promise<boolean> {
    const now = Date.now();
    const result = await this.store.db
      .updateTable('leases')
      .set({ heartbeat_at: now, expires_at: now + this.ttlMs })
      .where('name', '=', name)
      .where('holder', '=', this.holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives the lease up (another replica may take it at once). */
  async release(name: string): Promise<void> {
    await this.store.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', this.holder).execute();
  }

  async holderOf(name: string): Promise<LeaseHolder | undefined> {
    const row = await this.store.db.selectFrom('leases').select(['holder', 'expires_at']).where('name', '=', name).executeTakeFirst();
    return row && Number(row.expires_at) >= Date.now() ? { holder: row.holder, expiresAt: Number(row.expires_at) } : undefined;
  }

  /**
   * Runs `work` while holding the lease, renewing it meanwhile, and releases it after; false
   * (work not run) when another holder has it. A lost lease aborts the work's signal.
   */
  async run(name: string, work: LeasedWork): Promise<boolean> {
    if (!(await this.acquire(name))) return false;
    const held = this.hold(name);
    try {
      await work(held.signal);
    } finally {
      held.stop();
      await this.release(name).catch((error: unknown) => this.logger.warn({ err: error, lease: name }, 'lease release failed; it expires on its own'));
    }
    return true;
  }

  /**
   * Runs `work` under the lease every `intervalMs`, one pass at a time (a slow pass never
   * piles passes up); a failed pass is logged, and the next interval tries again.
   */
  every(name: string, intervalMs: number, work: LeasedWork): { close(): Promise<void> } {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      running ??= this.run(name, work)
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn({ err: error, lease: name }, `${name}: the pass failed; the next one retries`),
        )
        .finally(() => (running = undefined));
    }, intervalMs);
    timer.unref();
    return {
      close: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  /**
   * Renews an acquired lease every third of the period until stop(); the signal aborts when a
   * renewal finds the lease taken, or renewals fail until it may have expired.
   */
  hold(name: string): { signal: AbortSignal; stop(): void } {
    const controller = new AbortController();
    let lastRenewed = Date.now();
    const lose = (why: string) => {
      if (controller.signal.aborted) return;
      clearInterval(timer);
      this.logger.warn({ lease: name, holder: this.holder }, `lease lost: ${why}`);
      controller.abort(new LeaseLost(name, why));
    };
    const timer = setInterval(() => {
      this.renew(name).then(
        (ok) => (ok ? (lastRenewed = Date.now()) : lose('another replica holds it')),
        (error: unknown) => {
          if (Date.now() - lastRenewed >= this.ttlMs) lose(`renewal failed past the lease period: ${(error as Error).message}`);
        },
      );
    }, Math.max(1, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return { signal: controller.signal, stop: () => clearInterval(timer) };
  }
}

export class LeaseLost extends Error {
  constructor(name: string, why: string) {
    super(`lease "${name}" lost: ${why}`);
    this.name = 'LeaseLost';
  }
}
