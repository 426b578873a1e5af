import { validateModelSettings } from '../compose/model-settings.ts';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { AuditLog } from '../audit/audit.ts';
import { systemActor } from '../auth/roles.ts';
import { TokenService } from '../auth/tokens.ts';
import { ModelService } from '../models/model-service.ts';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { migrateToLatest, openStore, type SqlDialect, type Store } from './database.ts';

async function openTestStore(dialect: SqlDialect): Promise<Store> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-store-'));
  const store = await openStore({
    dataDir,
    databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined,
  });
  await migrateToLatest(store);
  return store;
}

for (const dialect of testDialects()) {
  describe(`store on ${dialect}`, () => {
    const stores: Store[] = [];
    after(async () => {
      for (const store of stores) await store.close();
    });
    const open = async () => {
      const store = await openTestStore(dialect);
      stores.push(store);
      return store;
    };

    test('migrations run once and are idempotent', async () => {
      const store = await open();
      assert.deepEqual(await migrateToLatest(store), []);
    });

    test('models round-trip with features in order, and duplicates conflict', async () => {
      const store = await open();
      const audit = new AuditLog(store);
      const models = new ModelService(store, audit, validateModelSettings, 50);
      const features = [
        { name: 'price', type: 'numeric' as const },
        { name: 'category', type: 'categorical' as const },
      ];
      await models.create({ name: 'ctr', task: 'binary_classification', features }, systemActor);
      const model = await models.get('ctr');
      assert.deepEqual(model.features, features);
      assert.equal(model.description, null);
      await assert.rejects(
        models.create({ name: 'ctr', task: 'binary_classification', features }, systemActor),
        /already exists/,
      );
      await assert.rejects(models.get('nope'), /not found/);
      const entries = await audit.list({ model: 'ctr' });
      assert.equal(entries.length, 1, 'the failed create leaves no audit record');
      assert.equal(entries[0]?.type, 'model.created');
    });

    test('audit lists newest first and filters by time and model', async () => {
      const store = await open();
      const audit = new AuditLog(store);
      for (const type of ['a', 'b', 'c']) await audit.record({ type, model: 'm1', actor: systemActor });
      await audit.record({ type: 'd', model: 'm2', actor: 'token:x', details: { n: 1 } });
      const all = await audit.list();
      assert.deepEqual(
        all.map((e) => e.type),
        ['d', 'c', 'b', 'a'],
      );
      assert.deepEqual(all[0]?.details, { n: 1 });
      assert.deepEqual((await audit.list({ model: 'm1' })).map((e) => e.type), ['c', 'b', 'a']);
      assert.equal((await audit.list({ fromMs: Date.now() + 60_000 })).length, 0);
    });

    test('tokens are stored hashed, authenticate by role, and can be revoked', async () => {
      const store = await open();
      const tokens = new TokenService(store);
      const { token, info } = await tokens.create('ci', 'editor');
      const rows = await store.db.selectFrom('tokens').selectAll().execute();
      assert.ok(rows.every((r) => !r.token_hash.includes(token) && r.token_hash.length === 64));
      assert.deepEqual(await tokens.authenticate(token), { name: 'token:ci', role: 'editor', tokenId: info.id });
      assert.equal(await tokens.authenticate('mw_wrong'), null);
      await tokens.revoke(info.id);
      assert.equal(await tokens.authenticate(token), null);
      await assert.rejects(tokens.create('x', 'root'), /role: expected one of viewer, ingest, editor, admin/);
    });
  });
}
