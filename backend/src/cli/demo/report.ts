import { formatMs, formatNumber, formatPercent, type KpiSample, type StoryEvent, type SummaryRow } from './timeline.ts';
import { maxOf, minOf } from '../../core/arrays.ts';

/**
 * The demo's report: one self-contained HTML file with the summary table, SVG charts of
 * CTR, p99 latency and drift share over simulated time with the story's events marked, and
 * the event log. No chart library: a few polylines are all a static report needs.
 */
export function renderReport(input: {
  title: string;
  samples: KpiSample[];
  events: StoryEvent[];
  summary: SummaryRow[];
  generatedAt: string;
  /** How simulated time ran (virtual time, or a compressed clock). */
  clockNote: string;
}): string {
  const { samples, events } = input;
  const charts = [
    chart('Click-through rate', samples, (s) => s.ctr, events, (v) => `${(v * 100).toFixed(1)}%`),
    chart('Online AUC from click labels (label-based quality)', samples, (s) => s.auc, events, (v) => v.toFixed(3)),
    chart('p99 latency (ms)', samples, (s) => s.p99Ms, events, (v) => v.toFixed(0)),
    chart('Dataset drift share', samples, (s) => s.driftShare, events, (v) => v.toFixed(2)),
  ].join('\n');
  const rows = input.summary
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.phase)}</td><td>${formatPercent(r.ctr)}</td><td>${formatPercent(r.trueCtr)}</td><td>${formatPercent(r.cvr)}</td><td>${formatNumber(r.auc, 3)}</td><td>${formatMs(r.p99Ms)}</td><td>${formatNumber(r.driftShare)}</td><td>${escapeHtml(r.champion)}</td></tr>`,
    )
    .join('\n');
  const log = events
    .map((e) => `<tr class="${e.kind}"><td>${new Date(e.ts).toISOString().slice(11, 16)}</td><td>act ${e.act}</td><td>${e.kind}</td><td>${escapeHtml(e.message)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
td:first-child,th:first-child,td:last-child,th:last-child{text-align:left}
.chart{margin:1rem 0}.promote td,.rollback td{font-weight:600}.alert td{color:#b00}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>Generated ${escapeHtml(input.generatedAt)}. Times are simulated (${escapeHtml(input.clockNote)}).</p>
<h2>Before and after</h2>
<table><tr><th>phase</th><th>CTR</th><th>true CTR</th><th>CVR</th><th>AUC (labels)</th><th>p99 latency</th><th>drift share</th><th>champion</th></tr>
${rows}
</table>
<h2>Over time</h2>
<p>Dashed lines: <span style="color:#e69500">drift injected</span>, <span style="color:#c00">alert</span>,
<span style="color:#080">promotion</span>, <span style="color:#a0a">rollback</span> (hover for details).</p>
${charts}
<h2>What happened</h2>
<table><tr><th>time</th><th>act</th><th>kind</th><th>event</th></tr>
${log}
</table>
</body></html>
`;
}

function chart(
  title: string,
  samples: KpiSample[],
  pick: (s: KpiSample) => number | null,
  events: StoryEvent[],
  label: (v: number) => string,
): string {
  const width = 1000;
  const height = 220;
  const pad = { left: 60, right: 10, top: 24, bottom: 24 };
  const points = samples.map((s) => [s.ts, pick(s)] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (points.length < 2) return `<h3>${escapeHtml(title)}</h3><p>No data.</p>`;
  const t0 = samples[0]!.ts;
  const t1 = samples.at(-1)!.ts;
  const values = points.map((p) => p[1]);
  const lo = minOf(values, 0);
  const hi = maxOf(values) * 1.1 || 1;
  const x = (t: number) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - ((v - lo) / (hi - lo)) * (height - pad.top - pad.bottom);
  const path = points.map(([t, v], i) => `${i ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const markers = events
    .filter((e) => ['drift', 'alert', 'promote', 'rollback'].includes(e.kind) && e.ts >= t0 && e.ts <= t1)
    .map((e) => {
      const color = e.kind === 'drift' ? '#e69500' : e.kind === 'alert' ? '#c00' : e.kind === 'promote' ? '#080' : '#a0a';
      return `<line x1="${x(e.ts)}" x2="${x(e.ts)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="${color}" stroke-dasharray="4 3"><title>${escapeHtml(e.message)}</title></line>`;
    })
    .join('');
  const ticks = [lo, (lo + hi) / 2, hi]
    .map((v) => `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${label(v)}</text>`)
    .join('');
  const timeTicks = [t0, (t0 + t1) / 2, t1]
    .map((t, i) => `<text x="${x(t)}" y="${height - 6}" text-anchor="${['start', 'middle', 'end'][i]}" font-size="11">${new Date(t).toISOString().slice(11, 16)}</text>`)
    .join('');
  return `<div class="chart"><h3>${escapeHtml(title)}</h3>
<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">
<rect x="${pad.left}" y="${pad.top}" width="${width - pad.left - pad.right}" height="${height - pad.top - pad.bottom}" fill="#fafafa" stroke="#ddd"/>
${ticks}${timeTicks}${markers}<path d="${path}" fill="none" stroke="#1f60c4" stroke-width="1.5"/>
</svg></div>`;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
