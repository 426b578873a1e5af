import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { exportDataset, type LabelledRowLike } from './dataset.ts';

const features = [
  { name: 'x', type: 'numeric' as const },
  { name: 'country', type: 'categorical' as const },
];

async function* rows(list: LabelledRowLike[]): AsyncIterable<LabelledRowLike> {
  yield* list;
}

const T0 = Date.UTC(2026, 10, 1);
const ten: LabelledRowLike[] = Array.from({ length: 10 }, (_, i) => ({
  ts: T0 + i * 1000,
  version: 'v1',
  label: (i % 3 === 0 ? 1 : 0) as 0 | 1,
  features: { x: i === 4 ? null : i / 2, country: i === 5 ? 'a, "b"' : i === 6 ? undefined : `c${i % 2}`, extra: 'ignored' },
}));

describe('dataset export', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-dataset-'));
    dirs.push(d);
    return d;
  };

  test('CSV with header, time split (newest 20% held out), manifest, Parquet copy', async () => {
    const dataDir = tmp();
    const out = await exportDataset({
      dataDir,
      jobId: 'job-1',
      model: 'm',
      features,
      window: { from: T0, to: T0 + 60_000 },
      label: 'click',
      rows: rows(ten),
      parquet: true,
    });
    assert.equal(out.dir, path.join(dataDir, 'datasets', 'job-1'));
    const train = fs.readFileSync(out.trainCsv, 'utf8').trimEnd().split('\n');
    assert.equal(train[0], '_ts,_version,x,country,click');
    assert.equal(train.length, 1 + 8);
    assert.equal(train[1], `${T0},v1,0,c0,1`);
    assert.equal(train[5], `${T0 + 4000},v1,,c0,0`);
    assert.equal(train[6], `${T0 + 5000},v1,2.5,"a, ""b""",0`);
    assert.equal(train[7], `${T0 + 6000},v1,3,,1`);
    const holdout = fs.readFileSync(out.holdoutCsv, 'utf8').trimEnd().split('\n');
    assert.deepEqual(holdout.slice(1), [`${T0 + 8000},v1,4,c0,0`, `${T0 + 9000},v1,4.5,c1,1`]);

    const m = out.manifest;
    assert.equal(m.rows, 10);
    assert.deepEqual(m.balance.all, { rows: 10, positives: 4, negatives: 6, positiveRate: 0.4 });
    assert.deepEqual(m.balance.train, { rows: 8, positives: 3, negatives: 5, positiveRate: 0.375 });
    assert.deepEqual(m.balance.holdout, { rows: 2, positives: 1, negatives: 1, positiveRate: 0.5 });
    assert.equal(m.split.holdoutFrom, new Date(T0 + 8000).toISOString());
    assert.deepEqual(m.schema.map((c) => `${c.name}:${c.type}`), ['_ts:timestamp_ms', '_version:string', 'x:numeric', 'country:categorical', 'click:label']);
    assert.deepEqual(JSON.parse(fs.readFileSync(out.manifestPath, 'utf8')), m);
    assert.deepEqual(m.files, { train: { csv: 'train.csv', parquet: 'train.parquet' }, holdout: { csv: 'holdout.csv', parquet: 'holdout.parquet' } });
    assert.ok(!fs.existsSync(path.join(out.dir, 'rows.ndjson.tmp')));

    // The gate's rows, and the profile sample of the training rows.
    assert.deepEqual([...out.holdout.labels], [0, 1]);
    assert.deepEqual(out.holdout.features.map((f) => f.x), [4, 4.5]);
    assert.equal(out.profileRows.length, 8);

    const buf = fs.readFileSync(out.trainParquet!);
    const parquet = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer });
    assert.equal(parquet.length, 8);
    assert.deepEqual({ ...parquet[5], _ts: undefined }, { _ts: undefined, _version: 'v1', x: 2.5, country: 'a, "b"', click: 0 });
    assert.equal(parquet[4]!.x, null);
    assert.equal(parquet[6]!.country, null);
  });

  test('a feature named like a dataset column is refused with a clear message', async () => {
    await assert.rejects(
      exportDataset({ dataDir: tmp(), jobId: 'j', model: 'm', features: [{ name: 'click', type: 'numeric' }], window: { from: 0, to: 1 }, label: 'click', rows: rows([]) }),
      /feature "click" has the name of a dataset column/,
    );
  });

  test('an empty window gives empty files and zero balances (no NaN)', async () => {
    const out = await exportDataset({ dataDir: tmp(), jobId: 'j', model: 'm', features, window: { from: 0, to: 1 }, label: 'label', rows: rows([]) });
    assert.equal(out.manifest.rows, 0);
    assert.deepEqual(out.manifest.balance.train, { rows: 0, positives: 0, negatives: 0, positiveRate: 0 });
    assert.equal(fs.readFileSync(out.trainCsv, 'utf8'), '_ts,_version,x,country,label\n');
  });
});
