import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { actor, openHarness } from '../testing/monitor-harness.ts';
import { coarsenByLayout } from './flush.ts';
import { createRollup, HOUR_MS, MINUTE_MS } from './rollup.ts';

// Issue 16: a flush of more than ~125k distinct rollup keys threw "Maximum call stack size
// exceeded" (`out.push(...list)` here), every later flush failed, and every restart replayed
// the journal into the same crash. eslint.config.js now forbids such spreads everywhere.
test('the hour rollups of 200k distinct minute keys are computed without overflowing the stack', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  const minutes = Array.from({ length: 200_000 }, (_, i) =>
    createRollup({ model: 'm', version: `v${i}`, arm: 'default', bucketMs: MINUTE_MS, bucketStart: start }),
  );
  const hours = coarsenByLayout(minutes);
  assert.equal(hours.length, 200_000);
  assert.ok(hours.every((r) => r.bucketMs === HOUR_MS && r.bucketStart === start));
});

// Issue 16: every restart replayed the journal, its flush threw, and the process exited 1.
// A recovery flush that fails (here: the rollups table renamed away) is logged and retried;
// the service starts, and the pending batch stays pending until a flush succeeds.
test('a recovery whose flush fails does not stop the start; the batch is flushed once the store takes it', async () => {
  const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
  const h = await openHarness('sqlite', { now: () => NOW });
  try {
    await h.models.create({ name: 'm', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] }, actor);
    const records = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, ts: NOW - 60_000, version: 'v1', features: { x: 1 }, score: 0.5 }));
    assert.equal((await h.monitor.ingestPredictions('m', records)).accepted, 10);
    h.monitor.abandon();
    await sql`alter table rollups rename to rollups_away`.execute(h.store.db);
    const next = await h.reopen({ now: () => NOW });
    await sql`alter table rollups_away rename to rollups`.execute(h.store.db);
    await next.flush();
    const rows = await h.store.db.selectFrom('rollups').select((eb) => eb.fn.sum<number>('requests').as('n')).where('model', '=', 'm').where('bucket_ms', '=', MINUTE_MS).executeTakeFirstOrThrow();
    assert.equal(Number(rows.n), 10, 'the replayed batch is counted once, after the failed attempt');
  } finally {
    await h.close();
  }
});
