/**
 * `npm run scenarios`: runs the scenario library (scenarios/library/) on the deterministic
 * engine over many seeds and reports each scenario's operating characteristics — the rate of
 * the correct action, false promotions and rollbacks, time to decision, KPI recovered — into
 * docs/scenarios.md (the results section between its markers) and on stdout.
 *
 *   npm run scenarios -- [--seeds 100] [--first-seed 1] [--scenario aa-canary,better-challenger]
 *                        [--seeds-of aa-canary=200,harmful-drift=20] [--jobs 2] [--budget-minutes 30]
 *                        [--docs | --no-docs] [--json out.json]
 *
 * A run split over several invocations (--first-seed, --scenario) is reported as one by
 * merge-runs.ts from their --json files.
 *
 * --budget-minutes: no new seed starts after that many minutes of wall time (the report counts
 * the seeds that ran, per scenario).
 *
 * Seeds run in --jobs child processes (each a copy of this file with --child), one scenario
 * seed at a time; a seed's result does not depend on which child ran it. The docs are written
 * when the whole library ran (or with --docs).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { library, scenarioNamed } from './library/index.ts';
import { runSeed } from './library/run-seed.ts';
import { renderResults, replaceResults, SCENARIOS_DOC } from './report-markdown.ts';
import { summarize, type SeedVerdict } from './report.ts';

interface Task {
  scenario: string;
  seed: number;
}

type Reply = { task: Task; verdict: SeedVerdict; wallMs: number };


function child(): void {
  process.on('message', (task: Task) => {
    const scenario = scenarioNamed(task.scenario);
    if (!scenario) throw new Error(`unknown scenario ${task.scenario}`);
    void runSeed(scenario, task.seed).then(({ verdict, wallMs }) => process.send?.({ task, verdict, wallMs } satisfies Reply));
  });
  process.on('disconnect', () => process.exit(0));
}

function parse() {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '100' },
      'first-seed': { type: 'string', default: '1' },
      scenario: { type: 'string', multiple: true },
      'seeds-of': { type: 'string', multiple: true },
      jobs: { type: 'string', default: String(Math.max(1, Math.min(2, os.availableParallelism()))) },
      docs: { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      json: { type: 'string' },
      'budget-minutes': { type: 'string' },
      child: { type: 'boolean' },
    },
  });
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer ≥ ${min}, got ${text}`);
    return n;
  };
  const names = (values.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!scenarioNamed(n)) throw new Error(`--scenario: no scenario "${n}"; the library has ${library.map((s) => s.name).join(', ')}`);
  const seedsOf = new Map<string, number>();
  for (const pair of (values['seeds-of'] ?? []).flatMap((s) => s.split(',')).filter(Boolean)) {
    const [name = '', count = ''] = pair.split('=');
    if (!scenarioNamed(name)) throw new Error(`--seeds-of: no scenario "${name}" (expected name=count)`);
    seedsOf.set(name, int('seeds-of', count, 1));
  }
  return {
    seedsOf,
    budgetMinutes: values['budget-minutes'] === undefined ? undefined : int('budget-minutes', values['budget-minutes'], 1),
    child: values.child === true,
    seeds: int('seeds', values.seeds, 1),
    firstSeed: int('first-seed', values['first-seed'], 0),
    jobs: int('jobs', values.jobs, 1),
    scenarios: names.length ? library.filter((s) => names.includes(s.name)) : [...library],
    docs: values['no-docs'] ? false : values.docs === true || names.length === 0,
    json: values.json,
  };
}

async function main(): Promise<void> {
  const options = parse();
  if (options.child) return child();
  const seedsOf = (name: string) => options.seedsOf.get(name) ?? options.seeds;
  // Seed by seed across the scenarios, so a run cut short by --budget-minutes has every scenario's first seeds.
  const tasks: Task[] = options.scenarios
    .flatMap((s) => Array.from({ length: seedsOf(s.name) }, (_, i) => ({ scenario: s.name, seed: options.firstSeed + i, order: i })))
    .sort((a, b) => a.order - b.order)
    .map(({ scenario, seed }) => ({ scenario, seed }));
  const deadline = options.budgetMinutes === undefined ? Infinity : performance.now() + options.budgetMinutes * 60_000;
  const started = performance.now();
  const verdicts = new Map<string, SeedVerdict[]>(options.scenarios.map((s) => [s.name, []]));
  const wall = new Map<string, number>();
  let done = 0;
  const workers = Math.min(options.jobs, tasks.length);
  const queue = [...tasks];
  await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<void>((resolve, reject) => {
        const proc: ChildProcess = fork(import.meta.filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        const next = () => {
          const task = performance.now() < deadline ? queue.shift() : undefined;
          if (task) proc.send(task);
          else proc.disconnect();
        };
        proc.on('message', (reply: Reply) => {
          verdicts.get(reply.task.scenario)!.push(reply.verdict);
          wall.set(reply.task.scenario, (wall.get(reply.task.scenario) ?? 0) + reply.wallMs);
          done++;
          const v = reply.verdict;
          process.stderr.write(`[${done}/${tasks.length}] ${reply.task.scenario} seed ${v.seed}: ${v.correct ? 'correct' : 'NOT correct'}${v.decisionMinutes === null ? '' : `, decided after ${v.decisionMinutes} min`} (${(reply.wallMs / 1000).toFixed(1)} s)${v.correct ? '' : ` — ${v.summary}`}\n`);
          next();
        });
        proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a scenario child exited with ${code}`))));
        proc.on('error', reject);
        next();
      }),
    ),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  if (queue.length) process.stderr.write(`--budget-minutes ${options.budgetMinutes} reached: ${queue.length} of ${tasks.length} seeds not run\n`);
  const summaries = options.scenarios.map((s) => summarize(s.name, verdicts.get(s.name)!.sort((a, b) => a.seed - b.seed)));
  const command = `npm run scenarios --${options.seeds === 100 ? '' : ` --seeds ${options.seeds}`}${options.firstSeed === 1 ? '' : ` --first-seed ${options.firstSeed}`}${options.budgetMinutes === undefined ? '' : ` --budget-minutes ${options.budgetMinutes}`}${options.seedsOf.size ? ` --seeds-of ${[...options.seedsOf].map(([k, n]) => `${k}=${n}`).join(',')}` : ''}${options.scenarios.length === library.length ? '' : ` --scenario ${options.scenarios.map((s) => s.name).join(',')}`} --jobs ${workers}`.replace(/ --$/, '');
  const table = renderResults(summaries, options.scenarios, { command, nodeVersion: process.version, wallSeconds, seeds: { first: options.firstSeed, count: options.seeds, of: Object.fromEntries(options.seedsOf) }, jobs: workers });
  process.stdout.write(`${table}\n\nper scenario, seconds of engine wall time summed over seeds: ${[...wall].map(([k, ms]) => `${k} ${(ms / 1000).toFixed(0)}`).join(', ')}\n`);
  if (options.json) fs.writeFileSync(options.json, JSON.stringify({ command, nodeVersion: process.version, wallSeconds, summaries, verdicts: Object.fromEntries(verdicts) }, null, 2));
  if (options.docs) {
    const doc = fs.existsSync(SCENARIOS_DOC) ? fs.readFileSync(SCENARIOS_DOC, 'utf8') : '# Scenarios\n';
    fs.writeFileSync(SCENARIOS_DOC, replaceResults(doc, table));
    process.stdout.write(`results written to ${path.relative(process.cwd(), SCENARIOS_DOC)}\n`);
  }
}

await main();
