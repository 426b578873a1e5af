/**
 * The SQL of parked outcomes (table `outcome_parking`, migration 0101): outcomes whose
 * prediction was not stored when they arrived. See outcome-parking.ts for when they are
 * parked, joined and expired.
 *
 * No outcome may stay parked when its prediction is stored. On SQLite every write
 * transaction runs alone, so that holds by itself. On PostgreSQL two replicas race: a parker
 * that did not see the prediction and a prediction ingest that did not see the parked row
 * would both commit. The model's advisory lock closes the gap: a parker holds it exclusive
 * from its re-check of the predictions to its commit, a joiner holds it shared from before it
 * reads the parking table to its commit; so a joiner either waits for the parker's commit
 * (and then sees its rows) or committed its prediction first (and the parker's re-check sees it).
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, OutcomeParkingTable } from '../store/schema.ts';
import type { Store } from '../store/database.ts';
import type { OutcomeRecord } from './ingest-records.ts';
import { writeOutcomesIn, type OutcomeDelta } from './ingest-store.ts';
import { pushAll } from '../core/arrays.ts';

/** Arbitrary constant: the first key of the parking advisory locks (the second: the model's hash). */
const PARKING_LOCK = 0x6d770d;
const CHUNK = 1000;

export interface ParkResult {
  /** Parked: their prediction is not stored. */
  parked: OutcomeRecord[];
  /** Their prediction was stored meanwhile: join them now. */
  found: OutcomeRecord[];
}

/** One model's parked outcomes just joined: the outcome batch written and its deltas. */
export interface JoinedBatch {
  model: string;
  batch: number;
  deltas: OutcomeDelta[];
}

export interface ParkingCounts {
  /** Parked outcomes still within the window. */
  parked: number;
  /** Expired ones: counted at expiry plus those past the window not yet deleted. */
  expired: number;
  /** received_at of the oldest one still within the window. */
  oldestParkedAt: number | null;
}

async function lock(trx: Transaction<Database>, model: string, mode: 'exclusive' | 'shared'): Promise<void> {
  if (mode === 'exclusive') await sql`select pg_advisory_xact_lock(${PARKING_LOCK}, hashtext(${model}))`.execute(trx);
  else await sql`select pg_advisory_xact_lock_shared(${PARKING_LOCK}, hashtext(${model}))`.execute(trx);
}

export class ParkingStore {
  private readonly store: Store;
  private readonly postgres: boolean;

  constructor(store: Store) {
    this.store = store;
    this.postgres = store.dialect === 'postgres';
  }

  /** Parks the outcomes whose prediction is (still) not stored, durably; returns the others. */
  park(model: string, records: readonly OutcomeRecord[], receivedAt: number): Promise<ParkResult> {
    return this.store.db.transaction().execute(async (trx) => {
      if (this.postgres) await lock(trx, model, 'exclusive');
      const ids = [...new Set(records.map((r) => r.id))];
      const stored = new Set<string>();
      for (let start = 0; start < ids.length; start += CHUNK) {
        const rows = await trx.selectFrom('predictions').select('id').where('model', '=', model).where('id', 'in', ids.slice(start, start + CHUNK)).execute();
        for (const r of rows) stored.add(r.id);
      }
      const parked = records.filter((r) => !stored.has(r.id));
      const found = records.filter((r) => stored.has(r.id));
      await insertParked(trx, model, parked, receivedAt);
      return { parked, found };
    });
  }

  /**
   * Joins the parked outcomes (received at or after `notBefore`) of predictions just stored
   * (`ids`), or, with ids null, of every stored prediction (the sweep after a crash between
   * a prediction's commit and its join): claims them (DELETE … RETURNING, so two joiners never
   * both take one) and writes them as outcome batches, one transaction, in the order they arrived.
   */
  join(instance: string, scope: { model: string; ids: readonly string[] } | null, receivedAt: number, notBefore: number): Promise<JoinedBatch[]> {
    return this.store.db.transaction().execute(async (trx) => {
      const claimed: ParkedRow[] = [];
      if (scope) {
        if (this.postgres) await lock(trx, scope.model, 'shared');
        // Usually nothing is parked: one index probe instead of a lookup per id.
        const any = await trx.selectFrom('outcome_parking').select('seq').where('model', '=', scope.model).limit(1).executeTakeFirst();
        if (!any) return [];
        for (let start = 0; start < scope.ids.length; start += CHUNK) {
          pushAll(
            claimed,
            await trx
              .deleteFrom('outcome_parking')
              .where('model', '=', scope.model)
              .where('id', 'in', scope.ids.slice(start, start + CHUNK))
              .where('received_at', '>=', notBefore)
              .returning(PARKED_COLUMNS)
              .execute(),
          );
        }
      } else {
        pushAll(
          claimed,
          await trx
            .deleteFrom('outcome_parking')
            .where('received_at', '>=', notBefore)
            .where((eb) =>
              eb.exists(
                eb
                  .selectFrom('predictions')
                  .select('predictions.seq')
                  .whereRef('predictions.model', '=', 'outcome_parking.model')
                  .whereRef('predictions.id', '=', 'outcome_parking.id'),
              ),
            )
            .returning(PARKED_COLUMNS)
            .execute(),
        );
      }
      if (claimed.length === 0) return [];
      claimed.sort((a, b) => Number(a.seq) - Number(b.seq));
      const byModel = new Map<string, ParkedRow[]>();
      for (const row of claimed) {
        let list = byModel.get(row.model);
        if (!list) byModel.set(row.model, (list = []));
        list.push(row);
      }
      const out: JoinedBatch[] = [];
      for (const [model, rows] of byModel) {
        const records = rows.map(toRecord);
        const { batch, deltas } = await writeOutcomesIn(trx, this.postgres, { model, instance, records, receivedAt });
        // A prediction cannot vanish in between; were one gone, its outcomes stay parked.
        const unjoined = records.filter((_, i) => deltas[i] === null);
        await insertParked(trx, model, unjoined, Number(rows[0]!.received_at));
        out.push({ model, batch, deltas: deltas.filter((d) => d !== null) });
      }
      return out;
    });
  }

  /** Deletes parked outcomes received before `cutoff`, adding them to their models' expired totals. */
  expire(cutoff: number, now: number): Promise<Map<string, number>> {
    return this.store.db.transaction().execute(async (trx) => {
      const rows = await trx.deleteFrom('outcome_parking').where('received_at', '<', cutoff).returning('model').execute();
      const perModel = new Map<string, number>();
      for (const r of rows) perModel.set(r.model, (perModel.get(r.model) ?? 0) + 1);
      for (const [model, n] of [...perModel].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await trx
          .insertInto('outcome_parking_totals')
          .values({ model, expired: n, updated_at: now })
          .onConflict((oc) => oc.column('model').doUpdateSet({ expired: sql`outcome_parking_totals.expired + ${n}`, updated_at: now }))
          .execute();
      }
      return perModel;
    });
  }

  /** Per model (one, or all with any): parked and expired counts as of `cutoff`. */
  async counts(cutoff: number, model?: string): Promise<Map<string, ParkingCounts>> {
    let live = this.store.db
      .selectFrom('outcome_parking')
      .select((eb) => [
        'model',
        eb.fn.count<number>(eb.case().when('received_at', '>=', cutoff).then(1).end()).as('parked'),
        eb.fn.count<number>(eb.case().when('received_at', '<', cutoff).then(1).end()).as('expired'),
        eb.fn.min<number>(eb.case().when('received_at', '>=', cutoff).then(eb.ref('received_at')).end()).as('oldest'),
      ])
      .groupBy('model');
    let totals = this.store.db.selectFrom('outcome_parking_totals').select(['model', 'expired']);
    if (model !== undefined) {
      live = live.where('model', '=', model);
      totals = totals.where('model', '=', model);
    }
    const out = new Map<string, ParkingCounts>();
    const entry = (m: string) => {
      let c = out.get(m);
      if (!c) out.set(m, (c = { parked: 0, expired: 0, oldestParkedAt: null }));
      return c;
    };
    for (const r of await totals.execute()) entry(r.model).expired += Number(r.expired);
    for (const r of await live.execute()) {
      const c = entry(r.model);
      c.parked += Number(r.parked);
      c.expired += Number(r.expired);
      c.oldestParkedAt = r.oldest === null ? null : Number(r.oldest);
    }
    return out;
  }
}

const PARKED_COLUMNS = ['seq', 'model', 'id', 'ts', 'impression', 'click', 'conversion', 'label', 'received_at'] as const;

type ParkedRow = Selectable<OutcomeParkingTable>;

function toRecord(r: ParkedRow, index: number): OutcomeRecord {
  return {
    index,
    id: r.id,
    ts: Number(r.ts),
    impression: r.impression,
    click: r.click,
    conversion: r.conversion,
    label: r.label === null ? null : r.label === 1 ? 1 : 0,
  };
}

async function insertParked(trx: Transaction<Database>, model: string, records: readonly OutcomeRecord[], receivedAt: number): Promise<void> {
  // 8 parameters a row: within both dialects' limits per statement.
  for (let start = 0; start < records.length; start += CHUNK) {
    await trx
      .insertInto('outcome_parking')
      .values(
        records.slice(start, start + CHUNK).map((o) => ({
          model,
          id: o.id,
          ts: o.ts,
          impression: o.impression,
          click: o.click,
          conversion: o.conversion,
          label: o.label,
          received_at: receivedAt,
        })),
      )
      .execute();
  }
}
