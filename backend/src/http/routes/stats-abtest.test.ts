import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { abtest, minimumDetectableEffect, srm, type AbTestInput, type SrmInput } from '../../stats/abtest/index.ts';
import { startTestServer, type TestServer } from '../../testing/test-server.ts';

interface Fixtures {
  abtest: { input: AbTestInput; expected: { pValue: number; effect: number } }[];
  srm: { input: SrmInput; expected: { pValue: number } }[];
}
const fixtures = JSON.parse(readFileSync(new URL('../../stats/testdata/abtest-fixtures.json', import.meta.url), 'utf8')) as Fixtures;

/** Every number in a JSON value is finite (JSON cannot carry NaN, but null would hide one). */
function assertFiniteNumbers(value: unknown, where = '$'): void {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${where} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => assertFiniteNumbers(v, `${where}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertFiniteNumbers(v, `${where}.${k}`);
}

describe('POST /api/v1/stats/abtest and /srm', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('abtest: the reply is exactly the pure function (every scipy fixture), plus the MDE', async () => {
    for (const [i, { input }] of fixtures.abtest.entries()) {
      const response = await server.request('POST', '/api/v1/stats/abtest', { body: input });
      assert.equal(response.status, 200, `#${i} ${response.text}`);
      const pure = abtest(input);
      const expected = JSON.parse(JSON.stringify({ ...pure, mde: minimumDetectableEffect(pure).mde }));
      assert.deepEqual(response.body, expected, `#${i}`);
      for (const key of ['effect', 'se', 'pValue', 'chanceToWin', 'significant', 'ci'] as const) assert.ok(key in response.body, key);
    }
  });

  test('srm: the reply is exactly the pure function (every scipy fixture)', async () => {
    for (const [i, { input }] of fixtures.srm.entries()) {
      const response = await server.request('POST', '/api/v1/stats/srm', { body: input });
      assert.equal(response.status, 200, `#${i} ${response.text}`);
      assert.deepEqual(response.body, JSON.parse(JSON.stringify(srm(input))), `#${i}`);
    }
  });

  test('degenerate but valid input: a defined result, never NaN', async () => {
    const cases = [
      { metric: 'proportion', control: { n: 0, sum: 0 }, treatment: { n: 0, sum: 0 } },
      { metric: 'proportion', control: { n: 100, sum: 100 }, treatment: { n: 100, sum: 100 } },
      { metric: 'proportion', control: { n: 100, sum: 0 }, treatment: { n: 100, sum: 3 } },
      { metric: 'mean', control: { n: 5, sum: 10, sumSquares: 20 }, treatment: { n: 5, sum: 10, sumSquares: 20 }, sequential: true },
      { metric: 'mean', control: { n: 1, sum: 3, sumSquares: 9 }, treatment: { n: 50, sum: 100, sumSquares: 300 } },
    ];
    for (const body of cases) {
      const response = await server.request('POST', '/api/v1/stats/abtest', { body });
      assert.equal(response.status, 200, response.text);
      assertFiniteNumbers(response.body);
      assert.notEqual(response.body.status, 'ok', JSON.stringify(body));
      assert.equal(response.body.pValue, 1);
    }
    const srmEmpty = await server.request('POST', '/api/v1/stats/srm', { body: { counts: [0, 0], weights: [1, 1] } });
    assert.equal(srmEmpty.status, 200);
    assert.deepEqual([srmEmpty.body.pValue, srmEmpty.body.mismatch], [1, false]);
    const oneArm = await server.request('POST', '/api/v1/stats/srm', { body: { counts: [10], weights: [3] } });
    assert.equal(oneArm.status, 200);
    assert.equal(oneArm.body.pValue, 1);
    // Weights not summing to 1 are normalised.
    const scaled = await server.request('POST', '/api/v1/stats/srm', { body: { counts: [5200, 4800], weights: [50, 50] } });
    assert.equal(scaled.body.pValue, srm({ counts: [5200, 4800], weights: [0.5, 0.5] }).pValue);
  });

  test('bad input: 400 naming the field', async () => {
    const proportion = { metric: 'proportion', control: { n: 100, sum: 5 }, treatment: { n: 100, sum: 7 } };
    const mean = { metric: 'mean', control: { n: 10, sum: 5, sumSquares: 10 }, treatment: { n: 10, sum: 7, sumSquares: 12 } };
    const cases: [string, unknown, RegExp][] = [
      ['/api/v1/stats/abtest', {}, /body\.metric/],
      ['/api/v1/stats/abtest', { ...proportion, control: { n: -1, sum: 0 } }, /body\.control\.n: must be ≥ 0/],
      ['/api/v1/stats/abtest', { ...proportion, control: { n: 10.5, sum: 0 } }, /body\.control\.n: must be a whole number/],
      ['/api/v1/stats/abtest', { ...proportion, treatment: { n: 10, sum: 11 } }, /body\.treatment\.sum: successes must be between 0 and n \(10\)/],
      ['/api/v1/stats/abtest', { ...mean, treatment: { n: 10, sum: 7 } }, /body\.treatment\.sumSquares: required for metric "mean"/],
      ['/api/v1/stats/abtest', { ...mean, control: { n: 10, sum: 10, sumSquares: 1 } }, /control\.sumSquares \(1\) is below sum²\/n/],
      ['/api/v1/stats/abtest', { ...proportion, alpha: 2 }, /body\.alpha: must be in \(0, 1\)/],
      ['/api/v1/stats/abtest', { ...proportion, sequential: { tuning: 0 } }, /body\.sequential/],
      ['/api/v1/stats/abtest', { ...proportion, metric: 'median' }, /body\.metric/],
      ['/api/v1/stats/abtest', { ...proportion, difference: 'ratio' }, /body\.difference/],
      ['/api/v1/stats/srm', {}, /body\.counts/],
      ['/api/v1/stats/srm', { counts: [10, 20], weights: [1] }, /body\.weights: one weight per count: expected 2, got 1/],
      ['/api/v1/stats/srm', { counts: [10, 20], weights: [0, 0] }, /body\.weights: must sum to a positive number/],
      ['/api/v1/stats/srm', { counts: [10, -2], weights: [1, 1] }, /body\.counts\[1\]: must be ≥ 0/],
      ['/api/v1/stats/srm', { counts: [10, 2], weights: [1, -1] }, /body\.weights\[1\]: must be ≥ 0/],
    ];
    for (const [path, body, message] of cases) {
      const response = await server.request('POST', path, { body });
      assert.equal(response.status, 400, `${path} ${JSON.stringify(body)} → ${response.status} ${response.text}`);
      assert.equal(response.body.error.code, 'invalid_argument');
      assert.match(response.body.error.message, message, JSON.stringify(body));
    }
  });

  test('read permission: a viewer may call them, no token may not', async () => {
    const body = { counts: [10, 12], weights: [1, 1] };
    assert.equal((await server.request('POST', '/api/v1/stats/srm', { body, token: null })).status, 401);
    const viewer = await server.request('POST', '/api/v1/tokens', { body: { name: 'stats-viewer', role: 'viewer' } });
    assert.equal((await server.request('POST', '/api/v1/stats/srm', { body, token: viewer.body.token })).status, 200);
  });
});
