/**
 * The unit writes of one flush (unit-store.ts: buckets with their hour and day rows,
 * exposures, arrivals), inside its transaction: on SQLite through prepared statements
 * (unit-store-sqlite.ts), on PostgreSQL through Kysely with row locks in one order.
 */
import type { Transaction } from 'kysely';
import type { Store } from '../store/database.ts';
import type { Database } from '../store/schema.ts';
import type { UnitTaken } from './unit-buckets.ts';
import { addUnitBlocksSqlite, writeExposuresSqlite } from './unit-store-sqlite.ts';
import { addUnitBlocks, withCoarser, writeExposures } from './unit-store.ts';

export async function writeUnits(store: Store, trx: Transaction<Database>, units: UnitTaken, now: number): Promise<void> {
  if (units.blocks.length === 0 && units.exposures.length === 0) return;
  const blocks = withCoarser(units.blocks);
  if (store.sqlite) {
    addUnitBlocksSqlite(store.sqlite, blocks, now);
    writeExposuresSqlite(store.sqlite, units.exposures);
    return;
  }
  const postgres = store.dialect === 'postgres';
  await addUnitBlocks(trx, postgres, blocks, now);
  await writeExposures(trx, postgres, units.exposures);
}
