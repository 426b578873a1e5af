import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shippedRules } from './alert-delivery.ts';
import { evaluateExpr, parseExpr, RuleEvaluator, type Sample } from './rule-evaluator.ts';

const kpi = (kpiName: string, version: string, value: number): Sample => ({ name: 'modelwatch_kpi_value', labels: { model: 'm', version, kpi: kpiName }, value });

test('every shipped alert rule is understood (none skipped)', () => {
  const { rules, skipped } = shippedRules();
  assert.deepEqual(skipped, []);
  assert.ok(rules.some((r) => r.alert === 'ModelWatchErrorRateHigh'));
});

test('error rate fires only with the minimum volume, per version, as PromQL `and on` does', () => {
  const expr = parseExpr(
    '(max by (model, version) (modelwatch_kpi_value{kpi="error_rate"}) and on (model, version) (sum by (model, version) (modelwatch_kpi_value{kpi="requests_per_second"}) * 300 >= 200)) > 0.05',
  );
  assert.ok(expr);
  const samples = [kpi('error_rate', 'v1', 0.2), kpi('requests_per_second', 'v1', 0.5), kpi('error_rate', 'v2', 0.2), kpi('requests_per_second', 'v2', 1), kpi('error_rate', 'v3', 0.01), kpi('requests_per_second', 'v3', 10)];
  // v1: 150 requests in 5 minutes (too few); v2: 300 and 20 % errors; v3: enough, but 1 %.
  assert.deepEqual(evaluateExpr(expr, samples), [{ labels: { model: 'm', version: 'v2' }, value: 0.2 }]);
});

test('unknown syntax is refused, not guessed', () => {
  assert.equal(parseExpr('rate(modelwatch_predictions_total[5m]) > 1'), undefined);
  assert.equal(parseExpr('max by (model) (x) > '), undefined);
});

test('for: counts on the given clock; firing then resolved', () => {
  const expr = parseExpr('max by (model) (x) > 1')!;
  const ev = new RuleEvaluator([{ alert: 'A', expr, forMs: 120_000, labels: { modelwatch_action: 'none' }, annotations: { summary: 'value {{ $value }} on {{ $labels.model }}' } }]);
  const high = [{ name: 'x', labels: { model: 'm', version: 'v1' }, value: 2 }];
  assert.deepEqual(ev.evaluate(high, 0), []);
  assert.deepEqual(ev.evaluate(high, 60_000), []);
  const fired = ev.evaluate(high, 120_000);
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.status, 'firing');
  assert.deepEqual(fired[0]!.labels, { alertname: 'A', model: 'm', modelwatch_action: 'none' });
  assert.equal(fired[0]!.annotations.summary, 'value 2.00 on m');
  assert.deepEqual(ev.evaluate(high, 180_000), []);
  const resolved = ev.evaluate([], 240_000);
  assert.equal(resolved[0]!.status, 'resolved');
});
