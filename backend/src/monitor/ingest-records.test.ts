import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../core/errors.ts';
import { parseNdjson, recordsOfBody, validateOutcomes, validatePredictions } from './ingest-records.ts';
import { applyOutcome } from './ingest-store.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const features = [
  { name: 'x', type: 'numeric' as const },
  { name: 'c', type: 'categorical' as const },
];
const ok = { id: 'p1', ts: NOW - 1000, version: 'v1', features: { x: 1.5, c: 'a' }, score: 0.5, latencyMs: 12 };

describe('validatePredictions', () => {
  test('a valid record keeps its object and gets defaults', () => {
    const { valid, rejected } = validatePredictions([ok, { id: 7, version: 'v2' }], features, NOW);
    assert.deepEqual(rejected, []);
    assert.equal(valid[0]!.features, ok.features);
    assert.deepEqual(
      { ...valid[1]!, features: undefined },
      { index: 1, id: '7', ts: NOW, version: 'v2', arm: 'default', features: undefined, score: null, latencyMs: null, error: null, unitId: null },
    );
  });

  test('with a maximum age, an older ts is rejected naming the window; the boundary itself is in', () => {
    const window = { now: NOW, maxAgeMs: 2 * 86_400_000 };
    const { valid, rejected } = validatePredictions([{ ...ok, ts: NOW - 2 * 86_400_000 }, { ...ok, id: 'p2', ts: NOW - 2 * 86_400_000 - 1 }], features, window);
    assert.deepEqual(valid.map((r) => r.id), ['p1']);
    assert.deepEqual(rejected, [
      { index: 1, error: `ts: ${NOW - 2 * 86_400_000 - 1} is more than 2 days old (the ingest window, MODELWATCH_INGEST_MAX_AGE); send records from 2025-12-30T12:00:00.000Z on` },
    ]);
    assert.match(validatePredictions([{ ...ok, ts: NOW - 7_200_001 }], features, { now: NOW, maxAgeMs: 7_200_000 }).rejected[0]!.error, /more than 2 hours old/);
  });

  test('unitId: a string or a whole number, kept as a string; absent or null is none', () => {
    const { valid, rejected } = validatePredictions([{ ...ok, unitId: 'user-1' }, { ...ok, id: 'p2', unitId: 42 }, { ...ok, id: 'p3', unitId: null }], features, NOW);
    assert.deepEqual(rejected, []);
    assert.deepEqual(valid.map((r) => r.unitId), ['user-1', '42', null]);
  });

  test('each bad record is rejected with the field and what was expected', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...ok, features: { x: 'NaN' } }, /^features\.x: expected a finite number, got string "NaN"$/],
      [{ ...ok, features: { x: 'Infinity' } }, /^features\.x: expected a finite number, got string "Infinity"$/],
      [{ ...ok, features: { x: Number.NaN } }, /^features\.x: NaN is not a valid numeric value$/],
      [{ ...ok, features: { x: Number.POSITIVE_INFINITY } }, /^features\.x: Infinity is not a valid numeric value$/],
      [{ ...ok, features: { x: true } }, /^features\.x: expected a finite number, got boolean true$/],
      [{ ...ok, features: { c: { a: 1 } } }, /^features\.c: expected a string, number or boolean, got an object$/],
      [{ ...ok, features: [1, 2] }, /^features: expected an object/],
      [{ ...ok, id: '' }, /^id: required/],
      [{ ...ok, id: undefined }, /^id: required/],
      [{ ...ok, version: undefined }, /^version: required/],
      [{ ...ok, arm: 3 }, /^arm: expected a non-empty string/],
      [{ ...ok, unitId: { user: 1 } }, /^unitId: expected the randomization unit as a non-empty string of at most 256 characters or a whole number \(or null\), got an object$/],
      [{ ...ok, unitId: '' }, /^unitId: expected the randomization unit/],
      [{ ...ok, unitId: 1.5 }, /^unitId: expected the randomization unit.*got number 1\.5$/],
      [{ ...ok, unitId: 'u'.repeat(257) }, /^unitId: expected .* at most 256 characters.* of 257 characters$/],
      [{ ...ok, ts: 1_700_000_000 }, /^ts: 1700000000 is before 2000-01-01; send epoch milliseconds \(not seconds\)/],
      [{ ...ok, ts: NOW + 2 * 3_600_000 }, /more than an hour in the future/],
      [{ ...ok, ts: 'yesterday' }, /^ts: expected epoch milliseconds or an RFC 3339 time, got "yesterday"$/],
      [{ ...ok, score: '0.5' }, /^score: expected a finite number or null, got string "0.5"$/],
      [{ ...ok, latencyMs: -1 }, /^latencyMs: expected a finite number ≥ 0 or null, got number -1$/],
      [{ ...ok, error: 5 }, /^error: expected a boolean, a message string or null/],
      ['a string', /^record must be a JSON object, got string/],
      [null, /^record must be a JSON object, got null$/],
    ];
    for (const [record, message] of cases) {
      const { valid, rejected } = validatePredictions([record], features, NOW);
      assert.equal(valid.length, 0, JSON.stringify(record));
      assert.equal(rejected[0]!.index, 0);
      assert.match(rejected[0]!.error, message, JSON.stringify(record));
    }
  });

  test('missing values, undeclared features, RFC 3339 times and errors are fine', () => {
    const { valid, rejected } = validatePredictions(
      [
        { id: 'a', version: 'v', ts: '2026-01-01T11:59:00Z', features: { x: null, c: '', other: 'anything' }, error: 'timeout' },
        { id: 'b', version: 'v', ts: String(NOW), features: {}, error: true, score: null, latencyMs: null },
      ],
      features,
      NOW,
    );
    assert.deepEqual(rejected, []);
    assert.equal(valid[0]!.ts, NOW - 60_000);
    assert.equal(valid[0]!.error, 'timeout');
    assert.equal(valid[1]!.ts, NOW);
    assert.equal(valid[1]!.error, true);
  });

  test('a duplicate id in one batch: the first wins', () => {
    const { valid, rejected } = validatePredictions([ok, { ...ok }, { ...ok, id: 'p2' }], features, NOW);
    assert.deepEqual(valid.map((r) => r.index), [0, 2]);
    assert.deepEqual(rejected, [{ index: 1, error: 'id: "p1" appears more than once in this batch; prediction ids are unique per model' }]);
  });
});

describe('validateOutcomes', () => {
  test('fields and rejections', () => {
    const { valid, rejected } = validateOutcomes(
      [
        { id: 'p1', impression: true, click: false },
        { id: 'p2', label: 1, conversion: 2 },
        { id: 'p3' },
        { id: 'p4', click: 'yes' },
        { id: 'p5', label: 0.5 },
        { id: 'p6', impression: 1.5 },
      ],
      NOW,
    );
    assert.deepEqual(valid, [
      { index: 0, id: 'p1', ts: NOW, impression: 1, click: 0, conversion: null, label: null },
      { index: 1, id: 'p2', ts: NOW, impression: null, click: null, conversion: 2, label: 1 },
    ]);
    assert.deepEqual(
      rejected.map((r) => [r.index, r.error]),
      [
        [2, 'outcome names none of impression, click, conversion, label'],
        [3, 'click: expected a boolean or a whole number ≥ 0, got string "yes"'],
        [4, 'label: expected true/false or 1/0, got number 0.5'],
        [5, 'impression: expected a boolean or a whole number ≥ 0, got number 1.5'],
      ],
    );
  });

  test('applyOutcome: fields replace the state, deltas are the change (a repeat adds nothing)', () => {
    const start = { version: 'v', arm: 'A', ts: NOW, impression: null, click: null, conversion: null, label: null };
    const o = (x: object) => ({ index: 0, id: 'p', ts: NOW, impression: null, click: null, conversion: null, label: null, ...x });
    const a = applyOutcome(start, o({ impression: 1 }));
    assert.deepEqual([a.delta.impressions, a.delta.clicks, a.delta.labelled], [1, 0, 0]);
    const b = applyOutcome(a.next, o({ click: 1 }));
    assert.deepEqual([b.delta.impressions, b.delta.clicks], [0, 1]);
    const again = applyOutcome(b.next, o({ impression: 1, click: 1 }));
    assert.deepEqual([again.delta.impressions, again.delta.clicks], [0, 0]);
    const l1 = applyOutcome(again.next, o({ label: 1 }));
    assert.deepEqual([l1.delta.labelled, l1.delta.positives], [1, 1]);
    const l0 = applyOutcome(l1.next, o({ label: 0 }));
    assert.deepEqual([l0.delta.labelled, l0.delta.positives], [0, -1]);
    assert.deepEqual([l0.delta.version, l0.delta.arm, l0.delta.predictionTs], ['v', 'A', NOW]);
  });
});

describe('request bodies', () => {
  test('NDJSON: blank lines skipped, a bad line rejected on its own', () => {
    const { records, rejected } = parseNdjson('{"id":"a"}\n\n  \nnot json\r\n{"id":"b"}');
    assert.equal(records.length, 3);
    assert.deepEqual(records[2], { id: 'b' });
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.index, 1);
    assert.match(rejected[0]!.error, /^line 4: not valid JSON/);
  });

  test('JSON object, bare array, or an error naming the body', () => {
    assert.deepEqual(recordsOfBody({ records: [1] }).records, [1]);
    assert.deepEqual(recordsOfBody([2]).records, [2]);
    assert.throws(() => recordsOfBody({ rows: [] }), (e: unknown) => e instanceof DomainError && /^body: expected \{"records"/.test(e.message));
  });
});
