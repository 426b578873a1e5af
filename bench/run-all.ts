/**
 * `npm run bench`: runs every benchmark, each against its peer in the same run, and rewrites
 * docs/benchmarks.md with the figures, the machine and the command for each. Nothing in CI
 * depends on these timings. `--only ingest,drift` runs a subset; `--quick` uses smaller sizes;
 * `--out FILE` writes elsewhere.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const quick = process.argv.includes('--quick');
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set((process.argv[onlyArg + 1] ?? '').split(',')) : undefined;

interface Bench {
  name: string;
  title: string;
  args: string[];
}

const benches: Bench[] = [
  // With and without unit ids in one run (issue 13: what the per-unit analysis costs at ingest).
  { name: 'ingest', title: 'Ingest over HTTP', args: ['bench/ingest/run.ts', '--seconds', quick ? '5' : '10', '--unit-ids', '100000'] },
  {
    name: 'drift',
    title: 'Drift over rollups vs SciPy over raw rows',
    args: ['bench/drift/run.ts', '--days', quick ? '2' : '7', '--features', '50', '--per-minute', '30', '--repeat', quick ? '10' : '30'],
  },
  { name: 'experiments', title: 'Experiment results', args: ['bench/experiments/run.ts'] },
  {
    name: 'ab',
    title: 'A/B operating characteristics',
    args: ['bench/ab/run.ts', '--aa', quick ? '50' : '500', '--power', quick ? '10' : '30', '--power-units', quick ? '20000' : '100000', '--power-path', 'service'],
  },
  { name: 'serving', title: 'Serving latency and rollback', args: ['bench/serving/run.ts'] },
  { name: 'busy', title: 'Serving under a busy control plane', args: ['bench/serving/busy.ts', ...(quick ? ['--rounds', '1'] : [])] },
  {
    name: 'trainer',
    title: 'Built-in trainer vs scikit-learn',
    args: ['bench/trainer/run.ts', ...(quick ? ['--rows', '200000'] : [])],
  },
  { name: 'accumulator', title: 'Rollup accumulator (in-process ingest hot path)', args: ['bench/monitor/accumulator.bench.ts'] },
  { name: 'cardinality', title: 'Bounded cardinality: /metrics after 200k distinct versions', args: ['bench/cardinality/run.ts', '--versions', quick ? '20000' : '200000'] },
  // Half the sustained ingest rate (the script's default), as issue 16 asks.
  { name: 'soak', title: 'Soak: memory over 10 minutes of ingest and predictions', args: ['bench/soak/run.ts', '--minutes', quick ? '2' : '10'] },
];

/** A bench's report without a leading machine-readable JSON block (the trainer prints one). */
function markdownOf(stdout: string): string {
  // Each section already has its own `##` title: a bench's headings go one level down.
  const text = stdout.trim().replace(/^(#{2,5}) /gm, '#$1 ');
  if (!text.startsWith('{')) return text;
  const end = text.indexOf('\n}\n');
  return end >= 0 ? text.slice(end + 3).trim() : text;
}

const sections: string[] = [];
for (const bench of benches) {
  if (only && !only.has(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name} …\n`);
  const started = Date.now();
  const run = spawnSync(process.execPath, bench.args, { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 20 * 60_000 });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const body = run.status === 0 ? markdownOf(run.stdout) : `**Failed** (exit ${run.status ?? run.signal}):\n\n\`\`\`\n${(run.stderr || run.stdout).slice(-3000)}\n\`\`\``;
  sections.push(`## ${bench.title}\n\nCommand: \`node ${bench.args.join(' ')}\` (ran ${seconds} s)\n\n${body}\n`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = `# Benchmarks

Produced by \`npm run bench\` (\`node bench/run-all.ts\`) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node.js ${process.version}, ${os.platform()} ${os.release()}.
Each benchmark measures ModelWatch and its peer in the same run and reports the ratio. Timings on a
shared 2-core machine are noisy; where a section gives CPU time, that is the steadier figure.
`;
const outArg = process.argv.indexOf('--out');
const file = outArg >= 0 ? path.resolve(process.argv[outArg + 1] ?? '') : path.join(root, 'docs/benchmarks.md');
const previous = only && fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
let text = `${header}\n${sections.join('\n')}`;
if (previous) {
  // A partial run replaces only its own sections.
  text = previous;
  for (const section of sections) {
    const title = section.split('\n')[0]!;
    const start = text.indexOf(title);
    const next = start >= 0 ? text.indexOf('\n## ', start + title.length) : -1;
    text = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next >= 0 ? text.slice(next + 1) : ''}`;
  }
}
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, text);
process.stderr.write(`bench: wrote ${path.relative(root, file)}\n`);
