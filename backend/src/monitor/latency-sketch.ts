/**
 * Mergeable latency quantile sketch: a thin wrapper over DDSketch from @datadog/sketches-js
 * (relative accuracy 1%: any quantile it returns is within 1% of a value of that rank).
 *
 * Why a wrapper:
 * - Latencies are milliseconds ≥ 0. Values below 1 µs count as zero and values above
 *   MAX_LATENCY_MS are clamped to it, so one absurd value cannot blow the dense store up
 *   (the store keeps every bin between the smallest and largest key).
 * - Quantiles are clamped to [min, max] seen, and q = 0 / q = 1 are min / max, so p0/p100
 *   and one-value sketches are exact.
 * - Own byte encoding instead of the package's toProto/fromProto. Those work under ESM
 *   (the package is CommonJS and requires protobufjs/minimal lazily), but: toProto writes
 *   the dense store with its zero padding as packed doubles (8 bytes a bin, ~3 KB for a
 *   typical minute), fromProto drops sum/min/max and rebuilds the key mapping from gamma,
 *   whose multiplier then differs in the last bits from a fresh sketch's, so a decoded
 *   sketch could put a boundary value in a different bin than a fresh one. The encoding
 *   below stores only non-zero bins as (key delta, count) varints, plus count/min/max/sum,
 *   and decodes into a fresh sketch with the one mapping: typically 3–5× smaller, and
 *   merge(decode(a), decode(b)) is bin-for-bin the sketch of the union.
 */
import { DDSketch } from '@datadog/sketches-js';
import { invalid } from '../core/errors.ts';

export const LATENCY_RELATIVE_ACCURACY = 0.01;
/** Values below this (ms) are counted as zero: 1 µs is far below any useful latency. */
export const MIN_LATENCY_MS = 1e-3;
/** Values above this (ms, ~11.6 days) are clamped to it. */
export const MAX_LATENCY_MS = 1e9;

const FORMAT = 1;

export class LatencySketch {
  readonly sketch: DDSketch;

  constructor(sketch?: DDSketch) {
    this.sketch = sketch ?? new DDSketch({ relativeAccuracy: LATENCY_RELATIVE_ACCURACY });
  }

  /** Adds one latency in ms. Non-finite or negative values are ignored (returns false). */
  add(ms: number): boolean {
    // Common case first, passing `ms` through untouched: a computed double would be boxed
    // into a fresh heap number for the call (one allocation per record on the hot path).
    if (ms >= MIN_LATENCY_MS && ms <= MAX_LATENCY_MS) {
      this.sketch.accept(ms);
      return true;
    }
    if (!(ms >= 0) || ms === Infinity) return false;
    this.sketch.accept(ms < MIN_LATENCY_MS ? 0 : MAX_LATENCY_MS);
    return true;
  }

  get count(): number {
    return this.sketch.count;
  }

  get sum(): number {
    return this.sketch.sum;
  }

  get min(): number | null {
    return this.sketch.count === 0 ? null : this.sketch.min;
  }

  get max(): number | null {
    return this.sketch.count === 0 ? null : this.sketch.max;
  }

  /** Value at quantile q in [0, 1]; null when empty (never NaN). */
  quantile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw invalid(`quantile must be in [0, 1], got ${q}`);
    const s = this.sketch;
    if (s.count === 0) return null;
    if (q === 0) return s.min;
    if (q === 1) return s.max;
    const v = s.getValueAtQuantile(q);
    return v < s.min ? s.min : v > s.max ? s.max : v;
  }

  /** Adds other's values into this sketch (other is unchanged). */
  merge(other: LatencySketch): this {
    // Latencies are never negative, so the package's merge (which skips the negative
    // store) is exact here.
    this.sketch.merge(other.sketch);
    return this;
  }

  clone(): LatencySketch {
    return new LatencySketch().merge(this);
  }

  /** Compact bytes; see the module comment for the layout. */
  toBytes(): Uint8Array {
    const s = this.sketch;
    const store = s.store;
    const out = new ByteWriter(32 + store.bins.length * 3);
    out.byte(FORMAT);
    out.f64(LATENCY_RELATIVE_ACCURACY);
    out.uvarint(s.zeroCount);
    out.f64(s.count === 0 ? 0 : s.min);
    out.f64(s.count === 0 ? 0 : s.max);
    out.f64(s.sum);
    let nonZero = 0;
    for (const c of store.bins) if (c !== 0) nonZero++;
    out.uvarint(nonZero);
    let prevKey = 0;
    for (let i = 0; i < store.bins.length; i++) {
      const c = store.bins[i] ?? 0;
      if (c === 0) continue;
      const key = i + store.offset;
      out.svarint(key - prevKey);
      out.uvarint(c);
      prevKey = key;
    }
    return out.finish();
  }

  toBase64(): string {
    return Buffer.from(this.toBytes()).toString('base64');
  }

  static fromBytes(bytes: Uint8Array): LatencySketch {
    const r = new ByteReader(bytes);
    const format = r.byte();
    if (format !== FORMAT) throw invalid(`latency sketch: unknown format ${format}`);
    const accuracy = r.f64();
    if (accuracy !== LATENCY_RELATIVE_ACCURACY) {
      throw invalid(`latency sketch: relative accuracy ${accuracy} is not ${LATENCY_RELATIVE_ACCURACY}`);
    }
    const zeroCount = r.uvarint();
    const min = r.f64();
    const max = r.f64();
    const sum = r.f64();
    const nonZero = r.uvarint();
    const keys: number[] = [];
    const counts: number[] = [];
    let key = 0;
    let storeCount = 0;
    for (let i = 0; i < nonZero; i++) {
      key += r.svarint();
      const c = r.uvarint();
      if (c === 0) throw invalid('latency sketch: zero bin count');
      keys.push(key);
      counts.push(c);
      storeCount += c;
    }
    r.end();
    const out = new LatencySketch();
    const s = out.sketch;
    const first = keys[0];
    const last = keys[keys.length - 1];
    if (first !== undefined && last !== undefined) {
      if (last < first) throw invalid('latency sketch: bin keys out of order');
      // Size the store once, then fill it.
      s.store.add(first, 0);
      s.store.add(last, 0);
      for (let i = 0; i < keys.length; i++) s.store.add(keys[i] as number, counts[i] as number);
    }
    s.zeroCount = zeroCount;
    s.count = zeroCount + storeCount;
    if (s.count > 0) {
      if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
        throw invalid('latency sketch: bad min/max');
      }
      s.min = min;
      s.max = max;
    }
    s.sum = Number.isFinite(sum) ? sum : 0;
    return out;
  }

  static fromBase64(text: string): LatencySketch {
    return LatencySketch.fromBytes(Buffer.from(text, 'base64'));
  }
}

/** Growable little-endian byte buffer with LEB128 varints. */
class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  f64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  /** Unsigned integer up to 2^53, 7 bits a byte (arithmetic, not bitwise, past 2^31). */
  uvarint(x: number): void {
    if (!(Number.isSafeInteger(x) && x >= 0)) throw invalid(`latency sketch: count ${x} is not a whole number`);
    this.ensure(8);
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }

  /** Signed integer, zig-zag encoded. */
  svarint(x: number): void {
    this.uvarint(x >= 0 ? x * 2 : -x * 2 - 1);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

class ByteReader {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw invalid('latency sketch: truncated bytes');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  f64(): number {
    this.need(8);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  uvarint(): number {
    let x = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 0x80;
    }
    throw invalid('latency sketch: varint too long');
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw invalid('latency sketch: trailing bytes');
  }
}
