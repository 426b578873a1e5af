import { sql } from 'kysely';
import type { Store } from '../store/database.ts';
import type { ShadowsTable } from '../store/shadow-tables.ts';

/** One shadow as stored (serving/shadow-service.ts). */
export interface ShadowRecord {
  id: string;
  model: string;
  version: string;
  champion: string;
  startedAt: number;
  startedBy: string;
  stoppedAt: number | null;
  stopReason: string | null;
  release: Record<string, unknown> | null;
  outcome: Record<string, unknown> | null;
}

/** Sums of champion/shadow score pairs (one minute, or merged over a range). */
export interface PairSums {
  pairs: number;
  absDiffSum: number;
  sqDiffSum: number;
  /** Pairs whose decisions (score ≥ the model's decision threshold) agree. */
  agree: number;
}

export interface PairRow extends PairSums {
  model: string;
  shadowVersion: string;
  championVersion: string;
  bucketStart: number;
}

const toRecord = (r: ShadowsTable): ShadowRecord => ({
  id: r.id,
  model: r.model,
  version: r.version,
  champion: r.champion,
  startedAt: Number(r.started_at),
  startedBy: r.started_by,
  stoppedAt: r.stopped_at === null ? null : Number(r.stopped_at),
  stopReason: r.stop_reason,
  release: r.release === null ? null : (JSON.parse(r.release) as Record<string, unknown>),
  outcome: r.outcome === null ? null : (JSON.parse(r.outcome) as Record<string, unknown>),
});

/** The SQL of shadows and their pair sums (tables of migration 0106_shadow_pairs). */
export class ShadowStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Inserts a running shadow; false when the model already has one (another replica's start won: the unique index shadows_running). */
  async insert(r: ShadowRecord): Promise<boolean> {
    const result = await this.store.db
      .insertInto('shadows')
      .values({
        id: r.id,
        model: r.model,
        version: r.version,
        champion: r.champion,
        started_at: r.startedAt,
        started_by: r.startedBy,
        stopped_at: r.stoppedAt,
        stop_reason: r.stopReason,
        release: r.release === null ? null : JSON.stringify(r.release),
        outcome: r.outcome === null ? null : JSON.stringify(r.outcome),
      })
      .onConflict((oc) => oc.column('model').where('stopped_at', 'is', null).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Stops the model's running shadow; answers it, or undefined when none ran. */
  async stop(model: string, at: number, reason: string, outcome?: Record<string, unknown>): Promise<ShadowRecord | undefined> {
    const running = await this.running(model);
    if (!running) return undefined;
    await this.store.db
      .updateTable('shadows')
      .set({ stopped_at: at, stop_reason: reason, ...(outcome ? { outcome: JSON.stringify(outcome) } : {}) })
      .where('id', '=', running.id)
      .where('stopped_at', 'is', null)
      .execute();
    return { ...running, stoppedAt: at, stopReason: reason, outcome: outcome ?? running.outcome };
  }

  async running(model: string): Promise<ShadowRecord | undefined> {
    const row = await this.store.db.selectFrom('shadows').selectAll().where('model', '=', model).where('stopped_at', 'is', null).orderBy('started_at', 'desc').executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** The model's newest shadow, running or stopped. */
  async latest(model: string): Promise<ShadowRecord | undefined> {
    const row = await this.store.db.selectFrom('shadows').selectAll().where('model', '=', model).orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  async allRunning(): Promise<ShadowRecord[]> {
    return (await this.store.db.selectFrom('shadows').selectAll().where('stopped_at', 'is', null).execute()).map(toRecord);
  }

  /** Adds minute sums (the flush; two replicas add to the same row). */
  async addPairs(rows: PairRow[]): Promise<void> {
    if (!rows.length) return;
    await this.store.db.transaction().execute(async (trx) => {
      for (const r of rows) {
        await trx
          .insertInto('shadow_pairs')
          .values({
            model: r.model,
            shadow_version: r.shadowVersion,
            champion_version: r.championVersion,
            bucket_start: r.bucketStart,
            pairs: r.pairs,
            abs_diff_sum: r.absDiffSum,
            sq_diff_sum: r.sqDiffSum,
            agree: r.agree,
          })
          .onConflict((oc) =>
            oc.columns(['model', 'shadow_version', 'champion_version', 'bucket_start']).doUpdateSet({
              pairs: sql`shadow_pairs.pairs + ${r.pairs}`,
              abs_diff_sum: sql`shadow_pairs.abs_diff_sum + ${r.absDiffSum}`,
              sq_diff_sum: sql`shadow_pairs.sq_diff_sum + ${r.sqDiffSum}`,
              agree: sql`shadow_pairs.agree + ${r.agree}`,
            }),
          )
          .execute();
      }
    });
  }

  /** The pair sums of a shadow version against a champion version over [from, to) (minute buckets). */
  async pairSums(model: string, shadowVersion: string, championVersion: string, from: number, to: number): Promise<PairSums> {
    const row = await this.store.db
      .selectFrom('shadow_pairs')
      .select((eb) => [
        eb.fn.sum<number>('pairs').as('pairs'),
        eb.fn.sum<number>('abs_diff_sum').as('abs'),
        eb.fn.sum<number>('sq_diff_sum').as('sq'),
        eb.fn.sum<number>('agree').as('agree'),
      ])
      .where('model', '=', model)
      .where('shadow_version', '=', shadowVersion)
      .where('champion_version', '=', championVersion)
      .where('bucket_start', '>=', from)
      .where('bucket_start', '<', to)
      .executeTakeFirst();
    return { pairs: Number(row?.pairs ?? 0), absDiffSum: Number(row?.abs ?? 0), sqDiffSum: Number(row?.sq ?? 0), agree: Number(row?.agree ?? 0) };
  }
}
