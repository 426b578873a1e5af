/**
 * Renders the scenario summaries as the results section of docs/scenarios.md, and puts that
 * section between its markers without touching the rest of the file (the "Engine" section
 * belongs to the engine's authors). Pure: run-scenarios.ts reads and writes the file.
 */
import path from 'node:path';
import { checkTargets, type ScenarioSummary } from './report.ts';

/** The document the results go into. */
export const SCENARIOS_DOC = path.resolve(import.meta.dirname, '../../../docs/scenarios.md');

export interface ScenarioInfo {
  name: string;
  title: string;
  /** The ground truth: the action a correct service takes. */
  truth: string;
  horizonMinutes: number;
}

export interface RunInfo {
  command: string;
  nodeVersion: string;
  wallSeconds: number;
  /** Seeds first … first + count − 1, or `of[name]` of them for the scenarios named there. */
  seeds: { first: number; count: number; of?: Record<string, number> };
  jobs: number;
}

export const RESULTS_START = '<!-- scenarios:results:start (written by npm run scenarios) -->';
export const RESULTS_END = '<!-- scenarios:results:end -->';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ci = (p: { rate: number; low: number; high: number; k: number; n: number }) => `${pct(p.rate)} [${(100 * p.low).toFixed(1)}–${(100 * p.high).toFixed(1)}]`;
const minutes = (m: number | null) => (m === null ? '—' : `${Math.round(m)}`);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderResults(summaries: readonly ScenarioSummary[], infos: readonly ScenarioInfo[], run: RunInfo): string {
  const info = (name: string) => infos.find((i) => i.name === name);
  const lines: string[] = [];
  lines.push(
    `\`${run.command}\` — seeds from ${run.seeds.first} (${run.seeds.count} per scenario unless the seeds column says otherwise), ${run.jobs} worker(s), ${run.wallSeconds.toFixed(0)} s wall on Node ${run.nodeVersion}. ` +
      'Rates with 95 % Wilson intervals; times in virtual minutes from the scenario\'s trigger (nearest-rank median and p90 over the seeds that decided).',
    '',
    '| scenario | correct action (ground truth) | horizon (min) | seeds | correct | false promotion | false rollback | decided | median / p90 min | KPI recovered (mean) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of summaries) {
    const i = info(s.name);
    lines.push(
      `| ${cell(i?.title ?? s.name)} | ${cell(i?.truth ?? '')} | ${i?.horizonMinutes ?? ''} | ${s.seeds} | ${ci(s.correct)} | ${ci(s.falsePromotion)} | ${ci(s.falseRollback)} | ${s.decided} | ${minutes(s.medianMinutes)} / ${minutes(s.p90Minutes)} | ${s.kpiRecovered ? pct(s.kpiRecovered.mean) : '—'} |`,
    );
  }
  const targets = checkTargets(summaries);
  if (targets.length) {
    lines.push('', '| target (issue 14) | measured | met |', '|---|---:|:---:|');
    for (const t of targets) lines.push(`| ${cell(t.target)} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`);
  }
  const failing = summaries.filter((s) => s.failures.length);
  if (failing.length) {
    lines.push('', 'Seeds that did not take the correct action (first few per scenario):', '');
    for (const s of failing) {
      lines.push(`- **${s.name}** (${s.seeds - s.correct.k} of ${s.seeds} not correct):`);
      for (const f of s.failures) lines.push(`  - seed ${f.seed}: ${cell(f.summary)}`);
    }
  }
  return lines.join('\n');
}

/** `doc` with the text between the results markers replaced (markers appended at the end when absent). */
export function replaceResults(doc: string, results: string): string {
  const start = doc.indexOf(RESULTS_START);
  const end = doc.indexOf(RESULTS_END);
  const block = `${RESULTS_START}\n\n${results}\n\n${RESULTS_END}`;
  if (start < 0 || end < start) return `${doc.trimEnd()}\n\n${block}\n`;
  return `${doc.slice(0, start)}${block}${doc.slice(end + RESULTS_END.length)}`;
}
