/**
 * Exactly one retention pass at a time across replicas (issue 20). PostgreSQL: a session
 * advisory lock taken with `pg_try_advisory_lock` on a connection of its own, outside the
 * pool, held for the pass: a replica that finds it taken skips this round, and a replica that
 * dies drops its connection and so the lock, so the next one's round runs. SQLite (one
 * process): in-process only.
 */
import pg from 'pg';
import type { Store } from '../store/database.ts';

/** Arbitrary constant: the retention pass's advisory lock (parking-store.ts and alert-store.ts use others). */
const RETENTION_LOCK = 746_020_004;

export interface PassLease {
  /** Runs `work` when no other pass (this process or another replica) runs; false when it did not. */
  run(work: () => Promise<void>): Promise<boolean>;
}

export function retentionLease(store: Store, databaseUrl: string | undefined): PassLease {
  let running = false;
  const inProcess = async (work: () => Promise<void>): Promise<boolean> => {
    if (running) return false;
    running = true;
    try {
      await work();
      return true;
    } finally {
      running = false;
    }
  };
  if (store.dialect !== 'postgres') return { run: inProcess };
  if (!databaseUrl) throw new Error('retention on PostgreSQL needs the database URL for its lock connection');
  return {
    run: (work) =>
      inProcess(async () => {
        const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000, application_name: 'modelwatch-retention-lock' });
        // A lost lock connection ends the session (and so the lock); the pass's own statements fail or finish on the pool.
        client.on('error', () => {});
        await client.connect();
        try {
          const got = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [RETENTION_LOCK]);
          if (!got.rows[0]?.ok) throw new LeaseTaken();
          try {
            await work();
          } finally {
            await client.query('select pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => {});
          }
        } finally {
          await client.end().catch(() => {});
        }
      }).catch((error: unknown) => {
        if (error instanceof LeaseTaken) return false;
        throw error;
      }),
  };
}

class LeaseTaken extends Error {}
