import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { startTestServer } from '../testing/test-server.ts';
import { migrateToLatest, openStore, type Store } from './database.ts';

// Each check races a short timer: before the guard, SQLite waited for its own connection forever.
const within = <T>(work: Promise<T>, ms = 3000): Promise<T> =>
  Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms (wedged)`)), ms).unref())]);

for (const dialect of testDialects()) {
  describe(`connection guard on ${dialect}`, () => {
    const stores: Store[] = [];
    after(async () => {
      for (const store of stores) await store.close();
    });
    const open = async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-guard-'));
      const store = await openStore({ dataDir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined });
      await migrateToLatest(store);
      stores.push(store);
      return store;
    };

    test("a transaction's callback that reaches the outer store fails at once, and the store stays usable", async () => {
      const store = await open();
      await assert.rejects(
        within(store.db.transaction().execute(async () => store.db.selectFrom('models').selectAll().execute())),
        { name: 'OuterConnectionError' },
      );
      await assert.rejects(
        within(store.db.connection().execute(async () => sql`select 1`.execute(store.db))),
        { name: 'OuterConnectionError' },
      );
      await assert.rejects(
        within(store.db.transaction().setIsolationLevel('serializable').execute(async () => store.db.transaction().execute(async () => 1))),
        { name: 'OuterConnectionError' },
      );
      // The transaction's own handle works, and so does the store afterwards.
      const inside = await within(store.db.transaction().execute(async (trx) => (await sql<{ one: number }>`select 1 as one`.execute(trx)).rows[0]?.one));
      assert.equal(inside, 1);
      assert.equal((await within(sql<{ one: number }>`select 1 as one`.execute(store.db))).rows[0]?.one, 1);
    });

    test('concurrent transactions from separate requests still run (one after another on SQLite)', async () => {
      const store = await open();
      const results = await within(
        Promise.all([1, 2, 3].map((n) => store.db.transaction().execute(async (trx) => (await sql<{ n: number }>`select ${n} as n`.execute(trx)).rows[0]?.n))),
      );
      assert.deepEqual(results.map(Number), [1, 2, 3]);
    });

    test('PUT validation of a missing version is a 404 and wedges nothing (/readyz and the store stay up)', async () => {
      const server = await startTestServer(dialect);
      try {
        assert.equal((await server.request('POST', '/api/v1/models', { body: { name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] } })).status, 201);
        const put = await within(server.request('PUT', '/api/v1/models/m/versions/missing/validation', { body: { status: 'passed' } }));
        assert.equal(put.status, 404, put.text);
        assert.match(put.body.error.message, /version "missing"/);
        const gone = await within(server.request('PUT', '/api/v1/models/nope/versions/missing/validation', { body: { status: 'passed' } }));
        assert.equal(gone.status, 404, gone.text);
        assert.equal((await within(server.request('GET', '/readyz', { token: null }))).status, 200);
        assert.equal((await within(server.request('GET', '/api/v1/models/m'))).status, 200);
      } finally {
        await server.close();
      }
    });

    test('/readyz answers 503 within seconds while the store is wedged, and 200 once it is free', async () => {
      const server = await startTestServer(dialect);
      try {
        let release = () => {};
        // Holding every connection stands in for any wedge: a lost release, a stuck lock.
        const holders = Array.from({ length: dialect === 'sqlite' ? 1 : 10 }, () =>
          server.ctx.store.db.connection().execute(() => new Promise<void>((resolve) => {
            const previous = release;
            release = () => { previous(); resolve(); };
          })),
        );
        const started = Date.now();
        const ready = await within(server.request('GET', '/readyz', { token: null }), 5000);
        assert.equal(ready.status, 503, ready.text);
        assert.match(ready.body.error.message, /store not reachable: no answer within 2000 ms/);
        assert.ok(Date.now() - started < 4000);
        release();
        await Promise.all(holders);
        assert.equal((await within(server.request('GET', '/readyz', { token: null }))).status, 200);
      } finally {
        await server.close();
      }
    });
  });
}
