import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { SqlDialect } from '../store/database.ts';

/** The dialects the store tests run on: SQLite always, PostgreSQL when the test cluster is up. */
export function testDialects(): SqlDialect[] {
  return process.env.MODELWATCH_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A new empty database in the test cluster, so tests never see each other's rows. */
export async function freshPostgresDatabase(): Promise<string> {
  const admin = process.env.MODELWATCH_TEST_DATABASE_URL;
  if (!admin) throw new Error('MODELWATCH_TEST_DATABASE_URL is not set; run tests through scripts/with-postgres.ts');
  const name = `mw_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}
