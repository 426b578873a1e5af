/**
 * The busy control plane of bench/serving/busy.ts, run as its own process (pinned beside the
 * load generator, not the service) until SIGTERM; then prints one JSON line of what it did.
 *
 * - ingest: every 50 ms one batch of predictions (80%) plus outcomes for a quarter of the
 *   previous batch's predictions (impression, 10% clicked), `rate` records/s in all, unit ids
 *   and two arms as an experiment's producer sends them; at most 4 batches in flight (a
 *   service that falls behind shows as fewer records/s, never as a growing backlog here);
 * - the plugins' queries once a second: KPIs and drift over the last hour by minute, and the
 *   experiment's results.
 *
 *   node bench/serving/control-plane.ts '{"url", "token", "model", "experimentId", "rate", "features": [...]}'
 */
import http from 'node:http';

interface Job {
  url: string;
  token: string;
  model: string;
  experimentId: string;
  rate: number;
  features: string[];
}

const job = JSON.parse(process.argv[2]!) as Job;
const target = new URL(job.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const TICK_MS = 50;
const perTick = Math.round((job.rate * TICK_MS) / 1000);
const outcomesPerTick = Math.round(perTick / 5);
const predictionsPerTick = perTick - outcomesPerTick;

let seed = 11;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 4294967296;
};
// Everything after the id and ts, pre-serialised: the producer must not be the bottleneck.
const tails = Array.from({ length: predictionsPerTick }, () => {
  const unit = Math.floor(rand() * 20_000);
  const treatment = unit % 2 === 1;
  return JSON.stringify({
    version: treatment ? 'v2' : 'v1',
    arm: treatment ? 'treatment' : 'control',
    unitId: `p${unit}`,
    features: Object.fromEntries(job.features.map((n) => [n, Math.round((rand() - 0.5) * 2000) / 100])),
    score: Math.round(rand() * 1e4) / 1e4,
    latencyMs: Math.round((1 + 5 * rand()) * 100) / 100,
  }).slice(1);
});
const run = `r${process.pid}`;

function request(method: string, path: string, body?: string): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path,
        method,
        agent,
        headers: { authorization: `Bearer ${job.token}`, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, ms: performance.now() - started, text: String(e) }));
    if (body) req.write(body);
    req.end();
  });
}

let tick = 0;
let inFlight = 0;
let accepted = 0;
let refused = 0;
let skippedTicks = 0;
const failures: string[] = [];
const batchMs: number[] = [];
const queryMs: Record<string, number[]> = { kpis: [], drift: [], results: [] };
const inFlightWork = new Set<Promise<void>>();
const track = (p: Promise<void>) => {
  inFlightWork.add(p);
  void p.finally(() => inFlightWork.delete(p));
};

const ingestTick = () => {
  if (inFlight >= 4) {
    skippedTicks++;
    return;
  }
  const t = tick++;
  const ts = Date.now();
  let predictions = '{"records":[';
  for (let i = 0; i < predictionsPerTick; i++) predictions += `${i ? ',' : ''}{"id":"${run}-${t}-${i}","ts":${ts},${tails[i]}`;
  predictions += ']}';
  let outcomes = '';
  if (t > 0) {
    outcomes = '{"records":[';
    for (let i = 0; i < outcomesPerTick; i++) outcomes += `${i ? ',' : ''}{"id":"${run}-${t - 1}-${i * 4}","impression":true${rand() < 0.1 ? ',"click":true' : ''}}`;
    outcomes += ']}';
  }
  inFlight++;
  track(
    (async () => {
      const started = performance.now();
      for (const [kind, body] of [['predictions', predictions], ['outcomes', outcomes]] as const) {
        if (!body) continue;
        const r = await request('POST', `/api/v1/models/${job.model}/${kind}`, body);
        if (r.status !== 200) {
          refused++;
          if (failures.length < 5) failures.push(`${kind} ${r.status} ${r.text.slice(0, 200)}`);
          continue;
        }
        accepted += (JSON.parse(r.text) as { accepted: number }).accepted;
      }
      batchMs.push(performance.now() - started);
      inFlight--;
    })(),
  );
};

const queryTick = () => {
  const now = Date.now();
  const window = `from=${now - 3_600_000}&to=${now}&step=60000`;
  const queries: Array<[string, string]> = [
    ['kpis', `/api/v1/models/${job.model}/kpis?${window}`],
    ['drift', `/api/v1/models/${job.model}/drift?${window}`],
    ['results', `/api/v1/experiments/${job.experimentId}/results`],
  ];
  for (const [name, path] of queries) {
    track(
      request('GET', path).then((r) => {
        if (r.status === 200) queryMs[name]!.push(r.ms);
        else if (failures.length < 5) failures.push(`${name} ${r.status} ${r.text.slice(0, 200)}`);
      }),
    );
  }
};

const started = performance.now();
const ingestTimer = setInterval(ingestTick, TICK_MS);
const queryTimer = setInterval(queryTick, 1000);
ingestTick();
queryTick();

process.once('SIGTERM', () => {
  clearInterval(ingestTimer);
  clearInterval(queryTimer);
  const seconds = (performance.now() - started) / 1000;
  void Promise.all([...inFlightWork]).then(() => {
    const p = (xs: number[], q: number) => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : null;
    };
    const queries = Object.fromEntries(Object.entries(queryMs).map(([k, xs]) => [k, { n: xs.length, p50: p(xs, 0.5), max: p(xs, 1) }]));
    process.stdout.write(
      `${JSON.stringify({ seconds, accepted, recordsPerSecond: accepted / seconds, refused, skippedTicks, batchP50: p(batchMs, 0.5), batchMax: p(batchMs, 1), queries, failures })}\n`,
    );
    agent.destroy();
  });
});
