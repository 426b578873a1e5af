import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LatencySketch, MAX_LATENCY_MS } from './latency-sketch.ts';
import { DDSketch } from '@datadog/sketches-js';
import { rng, normal } from './testdata/random.ts';

/** Skewed latencies: lognormal body (median ~40 ms) plus a 2% slow tail around 800 ms. */
function skewedLatencies(n: number, seed: number): number[] {
  const u = rng(seed);
  const z = normal(u);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(u() < 0.02 ? 800 * Math.exp(0.3 * z()) : 40 * Math.exp(0.8 * z()));
  }
  return out;
}

/** The value DDSketch targets at quantile q: sorted[floor(q (n - 1))]. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

describe('LatencySketch', () => {
  test('quantiles are within 1% relative of exact on skewed data', () => {
    const values = skewedLatencies(50_000, 7);
    const s = new LatencySketch();
    for (const v of values) s.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    assert.equal(s.count, 50_000);
    for (const q of QS) {
      const exact = exactQuantile(sorted, q);
      const got = s.quantile(q) as number;
      assert.ok(Math.abs(got - exact) <= 0.01 * exact + 1e-12, `q=${q}: ${got} vs ${exact}`);
    }
    assert.equal(s.quantile(0), sorted[0]);
    assert.equal(s.quantile(1), sorted[sorted.length - 1]);
  });

  test('merge of sketches equals the sketch of the union, bin for bin', () => {
    const a = skewedLatencies(10_000, 1);
    const b = skewedLatencies(7_000, 2);
    const sa = new LatencySketch();
    const sb = new LatencySketch();
    const su = new LatencySketch();
    for (const v of a) { sa.add(v); su.add(v); }
    for (const v of b) { sb.add(v); su.add(v); }
    const merged = sa.clone().merge(sb);
    assert.equal(merged.count, su.count);
    assert.equal(merged.min, su.min);
    assert.equal(merged.max, su.max);
    for (let q = 0; q <= 1; q += 0.001) assert.equal(merged.quantile(q), su.quantile(q));
    // sa is unchanged by the merge into its clone
    assert.equal(sa.count, 10_000);
    // decoded sketches merge exactly as well
    const viaBytes = LatencySketch.fromBytes(sa.toBytes()).merge(LatencySketch.fromBase64(sb.toBase64()));
    for (let q = 0; q <= 1; q += 0.001) assert.equal(viaBytes.quantile(q), su.quantile(q));
    assert.ok(Math.abs(viaBytes.sum - su.sum) < 1e-6 * su.sum);
  });

  test('encoding round-trips and is compact', () => {
    const s = new LatencySketch();
    for (const v of skewedLatencies(5_000, 3)) s.add(v);
    s.add(0);
    const bytes = s.toBytes();
    const d = LatencySketch.fromBytes(bytes);
    assert.equal(d.count, s.count);
    assert.equal(d.sum, s.sum);
    assert.equal(d.min, 0);
    assert.equal(d.max, s.max);
    for (const q of QS) assert.equal(d.quantile(q), s.quantile(q));
    assert.deepEqual(d.toBytes(), bytes);
    // smaller than the package's protobuf encoding of the same sketch
    assert.ok(bytes.length * 2 < s.sketch.toProto().length, `${bytes.length} vs ${s.sketch.toProto().length}`);
    // and decoding to the package's own class gives the same quantiles
    const proto = (DDSketch as unknown as { fromProto(b: Uint8Array): DDSketch }).fromProto(s.sketch.toProto());
    assert.equal(proto.count, s.count);
  });

  test('empty, one value, odd values', () => {
    const s = new LatencySketch();
    assert.equal(s.quantile(0.99), null);
    assert.equal(s.min, null);
    const e = LatencySketch.fromBase64(s.toBase64());
    assert.equal(e.count, 0);
    assert.equal(e.quantile(0.5), null);
    assert.equal(s.add(Number.NaN), false);
    assert.equal(s.add(-1), false);
    assert.equal(s.add(Infinity), false);
    assert.equal(s.count, 0);
    s.add(123.4);
    assert.equal(s.quantile(0.5), 123.4);
    assert.equal(s.quantile(0.99), 123.4);
    s.add(1e300);
    assert.equal(s.max, MAX_LATENCY_MS);
    assert.equal(s.sketch.store.bins.length < 4096, true);
    assert.throws(() => s.quantile(1.5), /quantile/);
  });

  test('corrupt bytes are refused', () => {
    const s = new LatencySketch();
    s.add(5);
    const bytes = s.toBytes();
    assert.throws(() => LatencySketch.fromBytes(bytes.slice(0, bytes.length - 1)), /truncated/);
    assert.throws(() => LatencySketch.fromBytes(new Uint8Array([9])), /format/);
    assert.throws(() => LatencySketch.fromBytes(new Uint8Array([...bytes, 0])), /trailing/);
  });
});
