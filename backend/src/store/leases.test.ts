import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { freshPostgresDatabase, testDialects } from '../testing/databases.ts';
import { migrateToLatest, openStore, type Store } from './database.ts';
import { LeaseLost, Leases } from './leases.ts';

const logger = pino({ level: 'silent' });
const TTL = 300;

for (const dialect of testDialects()) {
  describe(`leases on ${dialect}`, () => {
    let store: Store;
    let dataDir: string;
    before(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-leases-'));
      store = await openStore({ dataDir, databaseUrl: dialect === 'postgres' ? await freshPostgresDatabase() : undefined });
      await migrateToLatest(store);
    });
    after(async () => {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });
    const replica = (holder: string) => new Leases(store, { holder, ttlMs: TTL, logger });

    test('one holder at a time; the other takes over once the lease expires unrenewed', async () => {
      const a = replica('a');
      const b = replica('b');
      assert.equal(await a.acquire('loop'), true);
      assert.equal(await b.acquire('loop'), false);
      assert.equal(await a.acquire('loop'), true, 'the holder renews its own');
      assert.equal((await b.holderOf('loop'))?.holder, 'a');
      await sleep(TTL + 50);
      assert.equal(await b.acquire('loop'), true);
      assert.equal(await a.renew('loop'), false, 'the old holder learns it lost the lease');
      await b.release('loop');
      assert.equal(await b.holderOf('loop'), undefined);
    });

    test('concurrent acquires: exactly one wins', async () => {
      const contenders = Array.from({ length: 8 }, (_, i) => replica(`r${i}`));
      const won = await Promise.all(contenders.map((c) => c.acquire('race')));
      assert.equal(won.filter(Boolean).length, 1);
    });

    test('every: one pass at a time on one replica; a failed pass does not stop the loop; close waits for the pass', async () => {
      const a = replica('every-a');
      const b = replica('every-b');
      const passes: string[] = [];
      let inPass = 0;
      let overlapped = false;
      const work = (who: string) => async () => {
        if (inPass++ > 0) overlapped = true;
        passes.push(who);
        await sleep(40);
        inPass--;
        if (passes.length === 2) throw new Error('one failed pass');
      };
      const loops = [a.every('every-loop', 10, work('a')), b.every('every-loop', 10, work('b'))];
      await sleep(400);
      await Promise.all(loops.map((l) => l.close()));
      const count = passes.length;
      await sleep(60);
      assert.equal(overlapped, false, 'no two passes at once, on one replica or across both');
      assert.ok(count >= 4, `passes went on after the failed one: ${count}`);
      assert.equal(passes.length, count, 'no pass after close');
    });

    test('run renews while the work lasts, skips when held elsewhere, and releases after', async () => {
      const a = replica('a');
      const b = replica('b');
      let skipped: boolean | undefined;
      const ran = await a.run('pass', async (signal) => {
        await sleep(TTL * 2);
        assert.equal(signal.aborted, false, 'renewed past its first period');
        skipped = !(await b.run('pass', async () => {}));
      });
      assert.deepEqual([ran, skipped], [true, true]);
      assert.equal(await b.acquire('pass'), true, 'released');
    });

    test('a lease taken from its holder aborts the holder’s work', async () => {
      const a = replica('a');
      const thief = replica('thief');
      await a.run('stolen', async (signal) => {
        // As if a's renewals had stalled past the period: the row expires and another takes it.
        await store.db.updateTable('leases').set({ expires_at: 0 }).where('name', '=', 'stolen').execute();
        assert.equal(await thief.acquire('stolen'), true);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        assert.ok(signal.reason instanceof LeaseLost);
      });
      assert.equal((await a.holderOf('stolen'))?.holder, 'thief', 'release never drops another holder’s lease');
    });
  });
}
