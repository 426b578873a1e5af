import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESULTS_END, RESULTS_START, renderResults, replaceResults } from './report-markdown.ts';
import { checkTargets, nearestRank, summarize, wilson, type SeedVerdict } from './report.ts';

// scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
const scipyWilson: Array<[number, number, number, number]> = [
  [0, 100, 0, 0.03699349820698568],
  [5, 100, 0.021543679154367973, 0.11175046923191914],
  [93, 100, 0.8625048526092649, 0.9656807389327273],
  [100, 100, 0.9630065017930143, 1],
  [1, 3, 0.06149194472039626, 0.7923403991979523],
];

test('Wilson intervals match scipy', () => {
  for (const [k, n, low, high] of scipyWilson) {
    const p = wilson(k, n);
    assert.ok(Math.abs(p.low - low) < 1e-12, `${k}/${n} low ${p.low} vs ${low}`);
    assert.ok(Math.abs(p.high - high) < 1e-12, `${k}/${n} high ${p.high} vs ${high}`);
    assert.equal(p.rate, k / n);
  }
  assert.deepEqual(wilson(0, 0), { k: 0, n: 0, rate: 0, low: 0, high: 1 });
  assert.throws(() => wilson(3, 2), /0 ≤ k ≤ n/);
});

test('nearest-rank percentiles', () => {
  assert.equal(nearestRank([], 0.5), null);
  assert.equal(nearestRank([7], 0.9), 7);
  const xs = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  assert.equal(nearestRank(xs, 0.5), 5);
  assert.equal(nearestRank(xs, 0.9), 9);
  assert.equal(nearestRank(xs, 1), 10);
});

const verdict = (seed: number, over: Partial<SeedVerdict> = {}): SeedVerdict => ({
  seed,
  correct: true,
  falsePromotion: false,
  falseRollback: false,
  decisionMinutes: null,
  kpiRecovered: null,
  summary: 'ok',
  ...over,
});

test('summarize counts each rate over all seeds and times over the decided ones', () => {
  const verdicts = [
    verdict(1, { decisionMinutes: 30, kpiRecovered: 1 }),
    verdict(2, { decisionMinutes: 10, kpiRecovered: 0.5 }),
    verdict(3, { correct: false, falsePromotion: true, falseRollback: true, decisionMinutes: 20, summary: 'promoted v2 and rolled back v1' }),
    verdict(4, { correct: false, falseRollback: true, summary: 'rolled back' }),
  ];
  const s = summarize('x', verdicts);
  assert.equal(s.seeds, 4);
  assert.equal(s.correct.k, 2);
  assert.equal(s.falsePromotion.k, 1);
  assert.equal(s.falseRollback.k, 2);
  assert.equal(s.falseAction.k, 2, 'a seed with both counts once');
  assert.equal(s.decided, 3);
  assert.equal(s.medianMinutes, 20);
  assert.equal(s.p90Minutes, 30);
  assert.deepEqual(s.kpiRecovered, { n: 2, mean: 0.75, median: 0.5 });
  assert.deepEqual(s.failures, [
    { seed: 3, summary: 'promoted v2 and rolled back v1' },
    { seed: 4, summary: 'rolled back' },
  ]);
});

test('targets: A/A false actions ≤ 5 %, better/worse correct ≥ 90 %', () => {
  const many = (n: number, bad: number, over: Partial<SeedVerdict>) => Array.from({ length: n }, (_, i) => verdict(i + 1, i < bad ? over : {}));
  const checks = checkTargets([
    summarize('aa-canary', many(100, 5, { correct: false, falsePromotion: true })),
    summarize('better-challenger', many(100, 11, { correct: false })),
    summarize('worse-challenger', many(100, 10, { correct: false })),
  ]);
  assert.deepEqual(
    checks.map((c) => c.met),
    [true, false, true],
  );
  assert.match(checks[0]!.value, /^5\.0% \[2\.2, 11\.2\] \(5\/100\)$/);
  assert.deepEqual(checkTargets([summarize('benign-drift', many(3, 0, {}))]), []);
});

test('the results go between their markers, the rest of the file stays', () => {
  const summaries = [summarize('aa-canary', [verdict(1), verdict(2, { correct: false, falseRollback: true, summary: 'stopped | rolled back' })])];
  const table = renderResults(summaries, [{ name: 'aa-canary', title: 'A/A canary', truth: 'no action', horizonMinutes: 60 }], {
    command: 'npm run scenarios',
    nodeVersion: 'v24.0.0',
    wallSeconds: 12.3,
    seeds: { first: 1, count: 2 },
    jobs: 1,
  });
  assert.match(table, /\| A\/A canary \| no action \| 60 \| 2 \| 50\.0% /);
  assert.match(table, /seed 2: stopped \\\| rolled back/);
  const doc = `# Scenarios\n\nintro\n\n${RESULTS_START}\nold\n${RESULTS_END}\n\n## Engine\n\ntheirs\n`;
  const updated = replaceResults(doc, table);
  assert.ok(updated.startsWith('# Scenarios\n\nintro\n\n'));
  assert.ok(updated.endsWith(`${RESULTS_END}\n\n## Engine\n\ntheirs\n`));
  assert.ok(!updated.includes('\nold\n'));
  assert.equal(replaceResults(updated, table), updated, 'idempotent');
  assert.ok(replaceResults('# Scenarios\n', 'x').endsWith(`${RESULTS_START}\n\nx\n\n${RESULTS_END}\n`));
});
