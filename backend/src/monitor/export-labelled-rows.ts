/**
 * The training export: predictions joined with their outcomes in [from, to), oldest first,
 * with a known label: 'click' — predictions with an impression or a click (label: clicked);
 * 'conversion' — predictions clicked (label: converted); 'label' — predictions with a label.
 */
import { invalid } from '../core/errors.ts';
import type { MonitorContext } from './monitor-context.ts';
import { labelledPredictions, mergeRanges, predictionBatchSpans, type BatchSpan, type LabelledPredictionRow, type LabelSource } from './raw-record-store.ts';
import { HOUR_MS } from './rollup.ts';

export interface LabelledRow {
  features: Record<string, unknown>;
  label: 0 | 1;
  ts: number;
  version: string;
}

/** Records per time slice read at once (bounded memory). */
const SLICE_ROWS = 50_000;

export async function* exportLabelledRows(ctx: MonitorContext, model: string, q: { from: number; to: number; label: LabelSource }): AsyncIterable<LabelledRow> {
  await ctx.modelInfo.get(model);
  if (!['click', 'conversion', 'label'].includes(q.label)) throw invalid(`label must be click, conversion or label, got ${String(q.label)}`);
  // The range is read in time slices holding about SLICE_ROWS records each (by the batches'
  // counts, spread evenly over their spans), each slice sorted by (ts, seq): oldest first
  // overall, with bounded memory.
  const batches = await predictionBatchSpans(ctx.store, model, q.from, q.to);
  const estimate = (over: readonly BatchSpan[], a: number, b: number) =>
    over.reduce((sum, s) => sum + (s.records * Math.max(0, Math.min(b, s.maxTs + 1) - Math.max(a, s.minTs))) / (s.maxTs + 1 - s.minTs), 0);
  let next = 0;
  let active: BatchSpan[] = [];
  let t = q.from;
  while (t < q.to) {
    while (next < batches.length && batches[next]!.minTs < t + HOUR_MS) active.push(batches[next++]!);
    active = active.filter((s) => s.maxTs >= t);
    if (active.length === 0) {
      if (next >= batches.length) return;
      t = Math.max(t, batches[next]!.minTs);
      continue;
    }
    let end = Math.min(q.to, t + HOUR_MS);
    while (end - t > 1 && estimate(active, t, end) > SLICE_ROWS) end = t + Math.ceil((end - t) / 2);
    const over = active.filter((s) => s.minTs < end);
    const rows: LabelledPredictionRow[] = [];
    for (const range of mergeRanges(over.map((s) => [s.minSeq, s.maxSeq]))) {
      for (const r of await labelledPredictions(ctx.store, model, range, [t, end], q.label)) rows.push(r);
    }
    rows.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const features = await ctx.layouts.decode(model, rows);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      yield { features: features[i]!, label: (r.value ?? 0) > 0 ? 1 : 0, ts: r.ts, version: r.version };
    }
    t = end;
  }
}
