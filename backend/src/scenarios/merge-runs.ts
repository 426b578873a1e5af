/**
 * Reports several `npm run scenarios -- --json …` runs as one (a library run split over seed
 * ranges, scenarios or machines): every scenario's seed verdicts pooled (a seed run twice
 * counts once: the engine is deterministic), summarised and rendered as run-scenarios.ts
 * does, into docs/scenarios.md with --docs.
 *
 *   node backend/src/scenarios/merge-runs.ts a.json b.json [--docs]
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { maxOf, minOf } from '../core/arrays.ts';
import { library } from './library/index.ts';
import { renderResults, replaceResults, SCENARIOS_DOC } from './report-markdown.ts';
import { summarize, type SeedVerdict } from './report.ts';

interface RunFile {
  command: string;
  nodeVersion: string;
  wallSeconds: number;
  verdicts: Record<string, SeedVerdict[]>;
}

const { values, positionals } = parseArgs({
  options: { docs: { type: 'boolean' } },
  allowPositionals: true,
});
if (positionals.length === 0) throw new Error('expected the --json files of the runs to merge');
const runs = positionals.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as RunFile);
const pooled = new Map<string, Map<number, SeedVerdict>>();
for (const run of runs) {
  for (const [name, verdicts] of Object.entries(run.verdicts)) {
    const bySeed = pooled.get(name) ?? new Map<number, SeedVerdict>();
    for (const v of verdicts) bySeed.set(v.seed, v);
    pooled.set(name, bySeed);
  }
}
const scenarios = library.filter((s) => pooled.has(s.name));
const summaries = scenarios.map((s) =>
  summarize(
    s.name,
    [...pooled.get(s.name)!.values()].sort((a, b) => a.seed - b.seed),
  ),
);
const seeds = [...pooled.values()].flatMap((m) => [...m.keys()]);
const table = renderResults(summaries, scenarios, {
  command: runs.map((r) => r.command).join('` + `'),
  nodeVersion: runs[0]!.nodeVersion,
  wallSeconds: runs.reduce((s, r) => s + r.wallSeconds, 0),
  seeds: {
    first: minOf(seeds),
    count: maxOf(summaries.map((s) => s.seeds)),
    of: Object.fromEntries(summaries.map((s) => [s.name, s.seeds])),
  },
  // The workers per run, as each run's command says.
  jobs: maxOf(runs.map((r) => Number(/--jobs (\d+)/.exec(r.command)?.[1] ?? 1))),
});
// The docs are written first: a reader that closes stdout early (`| head`) must not cost them.
if (values.docs) {
  fs.writeFileSync(SCENARIOS_DOC, replaceResults(fs.readFileSync(SCENARIOS_DOC, 'utf8'), table));
  process.stderr.write(`results written to ${SCENARIOS_DOC}\n`);
}
process.stdout.write(`${table}\n`);
