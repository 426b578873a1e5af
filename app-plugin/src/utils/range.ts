import type { Range } from '../data/useModels';

export const RANGE_OPTIONS = [
  { label: '1h', value: 3_600_000 },
  { label: '6h', value: 6 * 3_600_000 },
  { label: '24h', value: 24 * 3_600_000 },
  { label: '7d', value: 7 * 24 * 3_600_000 },
];

/**
 * The last `span` ms, aligned to whole steps so the query key stays stable between renders,
 * with about `points` points (never finer than a minute, the rollup resolution).
 */
export function lastRange(span: number, points = 60, now = Date.now()): Range {
  const step = Math.max(60_000, Math.round(span / points / 60_000) * 60_000);
  const to = Math.ceil(now / step) * step;
  return { from: to - span, to, step };
}
