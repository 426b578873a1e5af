/**
 * Rollup ⇄ JSON-safe object for the store (and for shipping between processes). Only finite
 * numbers, strings and arrays; the latency sketch is base64 of LatencySketch.toBytes().
 */
import { LatencySketch } from './latency-sketch.ts';
import { pickCounters, ROLLUP_COUNTER_FIELDS, ROLLUP_SUM_FIELDS, type RollupCounters } from '../core/rollup-counters.ts';
import { FEATURE_STATS_WIDTH, QUALITY_LENGTH, SCORE_BINS, createRollup, type Rollup } from './rollup.ts';
import type { HistogramLayout } from './rollup-layout.ts';
import { invalid } from '../core/errors.ts';

export const ROLLUP_FORMAT = 1;

export interface EncodedRollup extends RollupCounters {
  format: typeof ROLLUP_FORMAT;
  model: string;
  version: string;
  arm: string;
  bucketStart: number;
  bucketMs: number;
  /** base64 of the latency sketch's compact bytes. */
  latencySketch: string;
  /** SCORE_BINS + 1 counts, the last one for missing scores. */
  scoreHistogram: number[];
  /**
   * QUALITY_LENGTH numbers: label histograms and label delay (rollup.ts). Optional: encodings
   * made before it existed decode with none. Entries may be negative (a label sent again as
   * its opposite moves its row out of one histogram), so only finiteness is checked.
   */
  quality?: number[];
  /** Layout id of `features`; null when there are none. */
  layout: string | null;
  features: { name: string; counts: number[] }[];
  /**
   * FEATURE_STATS_WIDTH numbers per feature (rollup.ts `featureStats`). Optional: encodings
   * made before it existed decode with zeros. Sums may be negative: only finiteness is checked.
   */
  featureStats?: number[];
}

export function encodeRollup(r: Rollup): EncodedRollup {
  return {
    format: ROLLUP_FORMAT,
    model: r.model,
    version: r.version,
    arm: r.arm,
    bucketStart: r.bucketStart,
    bucketMs: r.bucketMs,
    ...pickCounters(r),
    latencySketch: r.latency.toBase64(),
    scoreHistogram: Array.from(r.scoreHist),
    quality: Array.from(r.quality),
    layout: r.layout?.id ?? null,
    features: r.layout === null ? [] : r.layout.names.map((name, i) => ({ name, counts: Array.from(r.features[i] ?? []) })),
    featureStats: Array.from(r.featureStats),
  };
}

/** Validates and decodes; a malformed object throws an invalid_argument DomainError naming the field. */
export function decodeRollup(input: unknown): Rollup {
  if (typeof input !== 'object' || input === null) throw invalid('rollup: expected an object');
  const o = input as Record<string, unknown>;
  if (o.format !== ROLLUP_FORMAT) throw invalid(`rollup.format: expected ${ROLLUP_FORMAT}, got ${String(o.format)}`);
  const r = createRollup({
    model: str(o, 'model'),
    version: str(o, 'version'),
    arm: str(o, 'arm'),
    bucketStart: num(o, 'bucketStart'),
    bucketMs: num(o, 'bucketMs'),
  });
  // Counts first, then the float sums (the order the fields are checked in).
  for (const k of ROLLUP_COUNTER_FIELDS) if (!ROLLUP_SUM_FIELDS.includes(k)) r[k] = count(o, k);
  for (const k of ROLLUP_SUM_FIELDS) r[k] = num(o, k);
  if (typeof o.latencySketch !== 'string') throw invalid('rollup.latencySketch: expected a base64 string');
  r.latency = LatencySketch.fromBase64(o.latencySketch);
  if (r.latency.count !== r.latencyCount) {
    throw invalid(`rollup.latencySketch: holds ${r.latency.count} values, latencyCount says ${r.latencyCount}`);
  }
  r.scoreHist = counts(o.scoreHistogram, 'rollup.scoreHistogram', SCORE_BINS + 1);
  if (o.quality !== undefined) r.quality = counts(o.quality, 'rollup.quality', QUALITY_LENGTH, true);

  const layout = o.layout;
  const features = o.features;
  if (!Array.isArray(features)) throw invalid('rollup.features: expected an array');
  if (layout === null) {
    if (features.length > 0) throw invalid('rollup.features: must be empty when layout is null');
    return r;
  }
  if (typeof layout !== 'string') throw invalid('rollup.layout: expected a string or null');
  const names: string[] = [];
  const sizes: number[] = [];
  r.features = features.map((f: unknown, i) => {
    if (typeof f !== 'object' || f === null) throw invalid(`rollup.features[${i}]: expected an object`);
    const fo = f as Record<string, unknown>;
    if (typeof fo.name !== 'string') throw invalid(`rollup.features[${i}].name: expected a string`);
    const c = counts(fo.counts, `rollup.features[${i}].counts`);
    names.push(fo.name);
    sizes.push(c.length);
    return c;
  });
  const decodedLayout: HistogramLayout = { id: layout, names, sizes };
  r.layout = decodedLayout;
  const statsLength = names.length * FEATURE_STATS_WIDTH;
  r.featureStats = o.featureStats === undefined ? new Float64Array(statsLength) : counts(o.featureStats, 'rollup.featureStats', statsLength, true);
  return r;
}

function str(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw invalid(`rollup.${k}: expected a string`);
  return v;
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`rollup.${k}: expected a finite number`);
  return v;
}

function count(o: Record<string, unknown>, k: string): number {
  const v = num(o, k);
  if (v < 0) throw invalid(`rollup.${k}: expected a count ≥ 0, got ${v}`);
  return v;
}

function counts(v: unknown, field: string, length?: number, signed = false): Float64Array {
  if (!Array.isArray(v)) throw invalid(`${field}: expected an array of counts`);
  if (length !== undefined && v.length !== length) throw invalid(`${field}: expected ${length} counts, got ${v.length}`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || (!signed && x < 0)) throw invalid(`${field}[${i}]: expected ${signed ? 'a finite number' : 'a count ≥ 0'}`);
    out[i] = x;
  }
  return out;
}
