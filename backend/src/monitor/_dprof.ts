// profile drift queries in-process
import { systemActor } from '/work/main/backend/src/auth/roles.ts';
import { addPrediction, createRollup, HOUR_MS, MINUTE_MS, type Rollup } from '/work/main/backend/src/monitor/rollup.ts';
import { coarsen } from '/work/main/backend/src/monitor/rollup-merge.ts';
import { addRollupToStore } from '/work/main/backend/src/monitor/rollup-store.ts';
import { startTestServer } from '/work/main/backend/src/testing/test-server.ts';
const K = 50; const names = Array.from({ length: K }, (_, j) => `f${j}`);
const server = await startTestServer('sqlite');
const { ctx } = server;
await ctx.models.create({ name: 'drift', task: 'binary_classification', features: names.map((name) => ({ name, type: 'numeric' as const })) }, systemActor);
const rows = Array.from({ length: 2000 }, () => Object.fromEntries(names.map((n, j) => [n, j + Math.random()])));
await ctx.monitor.profileFromRows('drift', 'v1', rows, { bins: 10 }, systemActor);
const profile = (await ctx.profiles.get('drift', 'v1'))!;
const end = Math.floor(Date.now() / HOUR_MS) * HOUR_MS; const minutes = 7 * 1440; const start = end - minutes * MINUTE_MS;
const mr: Rollup[] = [];
for (let m = 0; m < minutes; m++) { const r = createRollup({ model: 'drift', version: 'v1', arm: 'default', bucketStart: start + m * MINUTE_MS, bucketMs: MINUTE_MS }, profile); for (let i = 0; i < 30; i++) addPrediction(r, { ts: 0, version: 'v1', features: rows[(m * 30 + i) % 2000]!, score: 0.5, latencyMs: 10 }, profile); mr.push(r); }
const all = [...mr, ...coarsen(mr, HOUR_MS)];
for (let i = 0; i < all.length; i += 500) await ctx.store.db.transaction().execute(async (trx) => { for (const r of all.slice(i, i + 500)) await addRollupToStore(trx, false, r, 1); });
const from = start + 17 * MINUTE_MS;
const t = async (name: string, fn: () => Promise<unknown>) => { for (let i = 0; i < 3; i++) await fn(); const s = performance.now(); const c = process.cpuUsage(); for (let i = 0; i < 60; i++) await fn(); const u = process.cpuUsage(c); console.log(name, ((performance.now() - s) / 60).toFixed(1), "ms wall", ((u.user + u.system) / 1000 / 60).toFixed(1), "ms cpu"); };
await t('minute-only', () => ctx.monitor.drift('drift', { from, to: end, versions: ['v1'], methods: ['ks', 'wasserstein'], resolution: 'minute' }));


await server.close();
