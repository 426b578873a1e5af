import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '../core/errors.ts';
import { testDialects } from '../testing/databases.ts';
import type { MonitorService } from './monitor-service.ts';
import { actor, openHarness, type Harness } from '../testing/monitor-harness.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const M = 60_000;
const H = 3_600_000;
const features = [
  { name: 'x', type: 'numeric' as const },
  { name: 'c', type: 'categorical' as const },
];

const pred = (id: string, ts: number, extra: Record<string, unknown> = {}) => ({
  id,
  ts,
  version: 'v1',
  arm: 'A',
  features: { x: 1, c: 'a' },
  score: 0.5,
  latencyMs: 10,
  ...extra,
});

async function sumColumn(h: Harness, model: string, bucketMs: number, column: 'requests' | 'clicks' | 'impressions'): Promise<number> {
  const rows = await h.store.db.selectFrom('rollups').select(column).where('model', '=', model).where('bucket_ms', '=', bucketMs).execute();
  return rows.reduce((s, r) => s + Number(r[column]), 0);
}

async function total(m: MonitorService, model: string, from = NOW - 24 * H, to = NOW + H) {
  const t = await m.totals(model, { from, to });
  return t.reduce(
    (s, r) => ({ requests: s.requests + r.requests, impressions: s.impressions + r.impressions, clicks: s.clicks + r.clicks, labelled: s.labelled + r.labelled, positives: s.positives + r.positives }),
    { requests: 0, impressions: 0, clicks: 0, labelled: 0, positives: 0 },
  );
}

for (const dialect of testDialects()) {
  describe(`monitor service on ${dialect}`, () => {
    let h: Harness;
    let n = 0;
    const newModel = async () => {
      const name = `m${++n}`;
      await h.models.create({ name, task: 'binary_classification', features }, actor);
      return name;
    };
    before(async () => {
      h = await openHarness(dialect, { now: () => NOW });
    });
    after(() => h.close());

    test('ingest counts, flush writes minute and hour rollups that agree', async () => {
      const model = await newModel();
      const records = Array.from({ length: 120 }, (_, i) => pred(`p${i}`, NOW - 90 * M + i * 30_000, { arm: i % 2 ? 'A' : 'B', error: i % 10 === 0 }));
      const result = await h.monitor.ingestPredictions(model, records);
      assert.deepEqual(result, { accepted: 120, rejected: [], pending: 0, pendingIndexes: [], bucketed: 0, bucketedIndexes: [] });
      // Before the flush the counts come from memory, after it from the store: the same.
      const before = await h.monitor.totals(model, { from: NOW - 2 * H, to: NOW });
      await h.monitor.flush();
      const afterFlush = await h.monitor.totals(model, { from: NOW - 2 * H, to: NOW });
      assert.deepEqual(
        afterFlush.map((t) => [t.version, t.arm, t.requests, t.errors]),
        [
          ['v1', 'A', 60, 0],
          ['v1', 'B', 60, 12],
        ],
      );
      assert.deepEqual(
        before.map((t) => [t.arm, t.requests, t.errors, t.latencyP99]),
        afterFlush.map((t) => [t.arm, t.requests, t.errors, t.latencyP99]),
      );
      assert.equal(await sumColumn(h, model, M, 'requests'), 120);
      assert.equal(await sumColumn(h, model, H, 'requests'), 120);
      const pending = await h.store.db.selectFrom('monitor_pending').selectAll().execute();
      assert.equal(pending.length, 0, 'flushed batches leave no pending rows');
    });

    test('duplicate ids are rejected, so a retried batch counts once', async () => {
      const model = await newModel();
      const records = [pred('a', NOW - M), pred('b', NOW - M)];
      assert.equal((await h.monitor.ingestPredictions(model, records)).accepted, 2);
      const retry = await h.monitor.ingestPredictions(model, [...records, pred('c', NOW - M)]);
      assert.equal(retry.accepted, 1);
      assert.deepEqual(retry.rejected, [
        { index: 0, error: `id: prediction "a" was already ingested for model "${model}" (ids are unique per model)` },
        { index: 1, error: `id: prediction "b" was already ingested for model "${model}" (ids are unique per model)` },
      ]);
      assert.equal((await total(h.monitor, model)).requests, 3);
    });

    test('outcomes join by id hours later and land in the prediction’s minute, also once flushed', async () => {
      const model = await newModel();
      const t0 = NOW - 5 * H - 30 * M;
      await h.monitor.ingestPredictions(model, [pred('p1', t0), pred('p2', t0 + 10), pred('p3', t0 + 20)]);
      await h.monitor.flush();
      const out = await h.monitor.ingestOutcomes(model, [
        { id: 'p1', impression: true },
        { id: 'p2', impression: true, click: true },
        { id: 'p1', click: 1 },
        { id: 'ghost', click: true },
      ]);
      assert.equal(out.accepted, 3);
      // An outcome before its prediction waits parked (outcome-parking.ts), not rejected.
      assert.deepEqual([out.rejected, out.pending, out.pendingIndexes], [[], 1, [3]]);
      await h.monitor.flush();
      // A retry of the same outcomes changes nothing; a label counts once.
      await h.monitor.ingestOutcomes(model, [{ id: 'p2', impression: true, click: true }, { id: 'p3', label: true }]);
      await h.monitor.ingestOutcomes(model, [{ id: 'p3', label: 1 }]);
      await h.monitor.flush();
      const minute = Math.floor(t0 / M) * M;
      const t = await h.monitor.totals(model, { from: minute, to: minute + M });
      assert.equal(t.length, 1);
      assert.deepEqual([t[0]!.requests, t[0]!.impressions, t[0]!.clicks, t[0]!.labelled, t[0]!.positives], [3, 2, 2, 1, 1]);
      assert.equal(await sumColumn(h, model, H, 'clicks'), 2, 'hour rollups updated too');
      const row = await h.store.db.selectFrom('predictions').select(['impression', 'click', 'label']).where('model', '=', model).where('id', '=', 'p1').executeTakeFirstOrThrow();
      assert.deepEqual([row.impression, row.click, row.label], [1, 1, null]);
    });

    test('a process killed before its flush loses nothing: the next one replays its batches', async () => {
      const model = await newModel();
      const crashed = await h.reopen();
      await crashed.ingestPredictions(model, Array.from({ length: 50 }, (_, i) => pred(`k${i}`, NOW - 20 * M + i * 1000)));
      await crashed.flush();
      await crashed.ingestPredictions(model, Array.from({ length: 30 }, (_, i) => pred(`l${i}`, NOW - 3 * M + i * 1000)));
      await crashed.ingestOutcomes(model, [{ id: 'k1', impression: true, click: true }, { id: 'l1', impression: true }]);
      crashed.abandon(); // kill -9: the buffer and its 30 records + 2 outcomes are gone
      assert.equal(await sumColumn(h, model, M, 'requests'), 50);
      const survivor = await h.reopen();
      const totals = await total(survivor, model);
      assert.deepEqual([totals.requests, totals.impressions, totals.clicks], [80, 2, 1]);
      assert.equal(await sumColumn(h, model, M, 'requests'), 80, 'replayed and flushed at start');
      assert.equal(await sumColumn(h, model, H, 'requests'), 80);
      // Nothing is replayed twice.
      const third = await h.reopen();
      assert.equal(await third.recover(), 0);
      assert.deepEqual((await total(third, model)).requests, 80);
    });

    test('a live process adopts a dead one’s batches at its next flush', async () => {
      const model = await newModel();
      const live = await h.reopen({ adoptionIntervalMs: 0 });
      const dead = await h.reopen();
      await dead.ingestPredictions(model, [pred('d1', NOW - M), pred('d2', NOW - M)]);
      dead.abandon();
      await live.flush();
      assert.equal(await sumColumn(h, model, M, 'requests'), 2);
      assert.equal((await h.store.db.selectFrom('monitor_pending').selectAll().execute()).length, 0);
    });

    test('two live processes add up; neither adopts the other’s batches', async () => {
      const model = await newModel();
      const a = await h.reopen();
      const b = await h.reopen();
      await a.ingestPredictions(model, [pred('a1', NOW - M), pred('a2', NOW - M)]);
      await b.ingestPredictions(model, [pred('b1', NOW - M)]);
      assert.equal(await b.recover(), 0, 'a is alive: its pending batch stays its own');
      await a.flush();
      await b.flush();
      assert.equal((await total(a, model)).requests, 3);
      assert.equal(await sumColumn(h, model, M, 'requests'), 3);
      const rows = await h.store.db.selectFrom('rollups').select('seq').where('model', '=', model).where('bucket_ms', '=', M).execute();
      assert.equal(rows.length, 1, 'one row per key: the second flush added into it');
    });

    test('labelled rows export: features, label and version, oldest first', async () => {
      const model = await newModel();
      await h.monitor.ingestPredictions(model, [
        pred('e1', NOW - 3 * M, { features: { x: 1, c: 'a' } }),
        pred('e2', NOW - 2 * M, { features: { x: 2, c: 'b' } }),
        pred('e3', NOW - M, { features: { x: 3, c: 'c' } }),
      ]);
      await h.monitor.ingestOutcomes(model, [
        { id: 'e1', impression: true, click: true, label: 1 },
        { id: 'e2', impression: true },
        { id: 'e3', label: 0 },
      ]);
      const rows = [];
      for await (const r of h.monitor.exportLabelledRows(model, { from: NOW - H, to: NOW, label: 'click' })) rows.push(r);
      assert.deepEqual(rows, [
        { features: { x: 1, c: 'a' }, label: 1, ts: NOW - 3 * M, version: 'v1' },
        { features: { x: 2, c: 'b' }, label: 0, ts: NOW - 2 * M, version: 'v1' },
      ]);
      const labels = [];
      for await (const r of h.monitor.exportLabelledRows(model, { from: NOW - H, to: NOW, label: 'label' })) labels.push([r.features.x, r.label]);
      assert.deepEqual(labels, [
        [1, 1],
        [3, 0],
      ]);
    });

    test('labelled rows come oldest first, however they were ingested', async () => {
      const model = await newModel();
      // Three batches, out of time order within and across them, spanning several hours.
      const ts = (k: number) => NOW - 5 * H + k * 7 * M;
      const batches = [
        [30, 2, 17, 9],
        [1, 40, 0],
        [25, 3, 12, 39, 5],
      ];
      for (const batch of batches) {
        await h.monitor.ingestPredictions(model, batch.map((k) => pred(`o${k}`, ts(k), { features: { x: k, c: 'a' } })));
        await h.monitor.ingestOutcomes(model, batch.map((k) => ({ id: `o${k}`, label: k % 2 })));
      }
      const seen: number[] = [];
      for await (const r of h.monitor.exportLabelledRows(model, { from: ts(1), to: ts(40), label: 'label' })) {
        seen.push(r.features.x as number);
        assert.equal(r.label, (r.features.x as number) % 2);
      }
      assert.deepEqual(seen, [1, 2, 3, 5, 9, 12, 17, 25, 30, 39]);
    });

    test('profiles: from a traffic window; replacing one while a minute is open does not break ingest', async () => {
      const model = await newModel();
      const records = Array.from({ length: 200 }, (_, i) => pred(`t${i}`, NOW - 50 * M + i * 1000, { features: { x: i, c: i % 2 ? 'odd' : 'even' } }));
      await h.monitor.ingestPredictions(model, records);
      const summary = await h.monitor.profileFromTraffic(model, 'v1', { from: NOW - H, to: NOW, options: { bins: 4 } }, actor);
      assert.equal(summary.rows, 200);
      assert.equal(summary.source, 'traffic');
      const profile = (await h.profiles.get(model, 'v1'))!;
      assert.deepEqual((profile.features[0] as { edges: number[] }).edges, [0, 49.75, 99.5, 149.25, 199]);
      // Same open minute: first with the profile, then with a replaced one (other bins).
      await h.monitor.ingestPredictions(model, [pred('u1', NOW - 30_000, { features: { x: 5, c: 'odd' } })]);
      await h.monitor.profileFromTraffic(model, 'v1', { from: NOW - H, to: NOW, options: { bins: 2 } }, actor);
      await h.monitor.ingestPredictions(model, [pred('u2', NOW - 20_000, { features: { x: 500, c: 'odd' } })]);
      await h.monitor.flush();
      const drift = await h.monitor.drift(model, { from: NOW - M, to: NOW, features: ['x'], methods: ['psi'] });
      const window = drift.versions[0]!.windows[0]!;
      assert.equal(window.count, 1, 'only the record binned over the current profile counts');
      const audit = await h.audit.list({ model, type: 'profile.saved' });
      assert.equal(audit.length, 2);
      await assert.rejects(
        h.monitor.profileFromTraffic(model, 'v9', { from: NOW - H, to: NOW }, actor),
        /no predictions of version "v9" between/,
      );
    });

    test('unknown model, too many records, records not an array', async () => {
      await assert.rejects(h.monitor.ingestPredictions('nope', []), (e: unknown) => e instanceof DomainError && e.code === 'not_found');
      const model = await newModel();
      await assert.rejects(
        h.monitor.ingestPredictions(model, new Array(10_001).fill({})),
        (e: unknown) => e instanceof DomainError && e.code === 'payload_too_large' && /send at most 10,000 per request/.test(e.message),
      );
      await assert.rejects(h.monitor.ingestOutcomes(model, 'x' as never), /records: expected an array/);
    });
  });
}
