/**
 * Which ingest batches are not yet in the rollups, and which processes are alive.
 *
 * Each ingest transaction adds a `monitor_pending` row owned by this process (its random
 * instance id; the batch's row range is in `ingest_batches`); the flush transaction that adds the batch's rollups deletes it. So at any
 * moment the rollups table plus the pending batches' raw rows hold every accepted record
 * exactly once. A process that dies leaves pending rows behind; a live process adopts
 * them (moves them to its own instance id in one UPDATE, so two adopters cannot both take
 * a batch) and replays their raw rows into its rollups.
 *
 * A process is dead when its heartbeat (written by every flush) is older than staleMs, or
 * at once when it ran on this host and its pid is gone (a restart after kill -9), or it
 * ran in this very process and was closed (tests).
 */
import os from 'node:os';
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/database.ts';
import type { FeatureLayouts } from './feature-layouts.ts';
import type { PredictionRecord } from './ingest-records.ts';
import { labelDelay, type OutcomeDelta } from './ingest-store.ts';

/** Instance ids of the monitors open in this process. */
const liveHere = new Set<string>();

export interface PendingBatch {
  batch: number;
  kind: string;
  model: string;
  minSeq: number | null;
  maxSeq: number | null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class IngestJournal {
  readonly instance: string;
  private readonly store: Store;
  private readonly staleMs: number;
  private readonly host = os.hostname();

  private readonly layouts: FeatureLayouts;

  constructor(store: Store, instance: string, staleMs: number, layouts: FeatureLayouts) {
    this.store = store;
    this.layouts = layouts;
    this.instance = instance;
    this.staleMs = staleMs;
  }

  async register(now: number): Promise<void> {
    liveHere.add(this.instance);
    await this.store.db
      .insertInto('monitor_instances')
      .values({ instance: this.instance, host: this.host, pid: process.pid, started_at: now, heartbeat_at: now })
      .execute();
  }

  /** Marks this process alive (inside the caller's transaction when given). */
  async heartbeat(now: number, trx?: Transaction<Database>): Promise<void> {
    await (trx ?? this.store.db).updateTable('monitor_instances').set({ heartbeat_at: now }).where('instance', '=', this.instance).execute();
  }

  /** After the final flush: nothing of ours is pending any more. */
  async unregister(): Promise<void> {
    liveHere.delete(this.instance);
    await this.store.db.deleteFrom('monitor_instances').where('instance', '=', this.instance).execute();
  }

  /** Forgets this instance as live in this process without touching the store (tests: a crash). */
  abandon(): void {
    liveHere.delete(this.instance);
  }

  private isDead(row: { instance: string; host: string; pid: number; heartbeat_at: number }, now: number): boolean {
    if (Number(row.heartbeat_at) < now - this.staleMs) return true;
    if (row.host !== this.host) return false;
    const pid = Number(row.pid);
    if (pid === process.pid) return !liveHere.has(row.instance);
    return !pidAlive(pid);
  }

  /**
   * Takes over the pending batches of dead processes and returns them (only those: batches
   * this process wrote itself are applied by its own ingest path, never replayed).
   */
  async adoptOrphans(now: number): Promise<PendingBatch[]> {
    const owners = await this.store.db.selectFrom('monitor_pending').select('instance').distinct().execute();
    const others = owners.map((o) => o.instance).filter((i) => i !== this.instance);
    if (others.length === 0) return [];
    const instances = await this.store.db
      .selectFrom('monitor_instances')
      .select(['instance', 'host', 'pid', 'heartbeat_at'])
      .where('instance', 'in', others)
      .execute();
    const known = new Map(instances.map((r) => [r.instance, r]));
    const adopted: PendingBatch[] = [];
    for (const owner of others) {
      const row = known.get(owner);
      if (row && !this.isDead(row, now)) continue;
      const taken = await this.store.db.transaction().execute(async (trx) => {
        const rows = await trx
          .updateTable('monitor_pending')
          .set({ instance: this.instance })
          .where('instance', '=', owner)
          .returning('batch')
          .execute();
        await trx.deleteFrom('monitor_instances').where('instance', '=', owner).execute();
        return rows.map((r) => Number(r.batch));
      });
      for (let start = 0; start < taken.length; start += 1000) {
        const rows = await this.store.db
          .selectFrom('ingest_batches')
          .select(['batch', 'kind', 'model', 'min_seq', 'max_seq'])
          .where('batch', 'in', taken.slice(start, start + 1000))
          .execute();
        for (const r of rows) {
          adopted.push({
            batch: Number(r.batch),
            kind: r.kind,
            model: r.model,
            minSeq: r.min_seq === null ? null : Number(r.min_seq),
            maxSeq: r.max_seq === null ? null : Number(r.max_seq),
          });
        }
      }
    }
    return adopted.sort((a, b) => a.batch - b.batch);
  }

  async predictionsOf(b: PendingBatch): Promise<PredictionRecord[]> {
    if (b.minSeq === null || b.maxSeq === null) return [];
    const rows = await this.store.db
      .selectFrom('predictions')
      .select(['id', 'ts', 'version', 'arm', 'features', 'extra', 'score', 'latency_ms', 'error', 'unit_id'])
      .where('seq', '>=', b.minSeq)
      .where('seq', '<=', b.maxSeq)
      .where('batch', '=', b.batch)
      .orderBy('seq')
      .execute();
    const features = await this.layouts.decode(b.model, rows);
    return rows.map((r, index) => ({
      index,
      id: r.id,
      ts: Number(r.ts),
      version: r.version,
      arm: r.arm,
      features: features[index]!,
      score: r.score,
      latencyMs: r.latency_ms,
      error: r.error,
      unitId: r.unit_id,
    }));
  }

  async outcomesOf(b: PendingBatch): Promise<OutcomeDelta[]> {
    if (b.minSeq === null || b.maxSeq === null) return [];
    // The prediction's score places a label in the label histograms (rollup.ts addLabel).
    const rows = await this.store.db
      .selectFrom('outcomes as o')
      .leftJoin('predictions as p', (j) => j.onRef('p.model', '=', 'o.model').onRef('p.id', '=', 'o.id'))
      .select(['o.version', 'o.arm', 'o.ts', 'o.prediction_ts', 'o.d_impressions', 'o.d_clicks', 'o.d_conversions', 'o.d_labelled', 'o.d_positives', 'p.score'])
      .where('o.seq', '>=', b.minSeq)
      .where('o.seq', '<=', b.maxSeq)
      .where('o.batch', '=', b.batch)
      .orderBy('o.seq')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      arm: r.arm,
      predictionTs: Number(r.prediction_ts),
      impressions: r.d_impressions,
      clicks: r.d_clicks,
      conversions: r.d_conversions,
      labelled: r.d_labelled,
      positives: r.d_positives,
      score: r.score ?? null,
      labelDelayMs: labelDelay(r.d_labelled, Number(r.ts), Number(r.prediction_ts)),
    }));
  }

  /** Deletes batches whose contributions the caller's transaction has added to the rollups. */
  async deleteBatches(trx: Transaction<Database>, batches: readonly number[]): Promise<void> {
    for (let start = 0; start < batches.length; start += 5000) {
      await trx.deleteFrom('monitor_pending').where('batch', 'in', batches.slice(start, start + 5000)).execute();
    }
  }
}
