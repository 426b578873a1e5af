import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { DomainError } from '../core/errors.ts';
import { parseCsvDataset } from './csv.ts';
import { loadDataset } from './loaders.ts';

describe('CSV datasets', () => {
  test('reads the label, features in header order, missing values and quotes', () => {
    const ds = parseCsvDataset('id,"price, usd",click,views\r\nr1,1.5,1,10\nr2,,0,NA\nr3,"2e3",true,3\n', { ignore: ['id'] });
    assert.deepEqual(ds.featureNames, ['price, usd', 'views']);
    assert.deepEqual(Array.from(ds.labels), [1, 0, 1]);
    assert.deepEqual(Array.from(ds.columns[0]!), [1.5, Number.NaN, 2000]);
    assert.deepEqual(Array.from(ds.columns[1]!), [10, Number.NaN, 3]);
  });

  test('takes features in the declared order and a configured label', () => {
    const ds = parseCsvDataset('a;b;y\n1;2;0\n3;4;1\n', { label: 'y', features: ['b', 'a'], delimiter: ';' });
    assert.deepEqual(ds.featureNames, ['b', 'a']);
    assert.deepEqual(Array.from(ds.columns[0]!), [2, 4]);
  });

  test('names the line and column of bad input', () => {
    assert.throws(() => parseCsvDataset('a,click\nx,1\n'), /line 2, column a: "x" is not a number/);
    assert.throws(() => parseCsvDataset('a,click\n1,2\n'), /label "2" is not 0 or 1/);
    assert.throws(() => parseCsvDataset('a,click\n1\n'), /line 2: 1 fields/);
    assert.throws(() => parseCsvDataset('a,b\n1,0\n'), /column "click" not in the header/);
    assert.throws(() => parseCsvDataset('a,click\n1,0\n', { features: ['z'] }), DomainError);
  });

  test('streams files of more than one chunk, by extension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-csv-'));
    try {
      const n = 60_000; // > 1 MiB of text
      const lines = ['feature_one,feature_two,click'];
      for (let i = 0; i < n; i++) lines.push(`${i * 0.5},${i % 3 === 0 ? '' : i},${i % 2}`);
      const path = join(dir, 'data.csv');
      writeFileSync(path, lines.join('\n'));
      const ds = await loadDataset({ path });
      assert.equal(ds.labels.length, n);
      assert.equal(ds.columns[0]![n - 1], (n - 1) * 0.5);
      assert.ok(Number.isNaN(ds.columns[1]![3]!));
      await assert.rejects(loadDataset({ path: join(dir, 'x.xlsx') }), (e: DomainError) => e.code === 'unsupported_media_type');
      await assert.rejects(loadDataset({ path: join(dir, 'missing.csv') }), (e: DomainError) => e.code === 'not_found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Parquet datasets', () => {
  test('reads numeric, bigint, boolean and null values; labels as numbers or booleans', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-parquet-'));
    try {
      const path = join(dir, 'data.parquet');
      const buffer = parquetWriteBuffer({
        columnData: [
          { name: 'id', data: ['a', 'b', 'c'], type: 'STRING' },
          { name: 'price', data: [1.5, null, 3], type: 'DOUBLE' },
          { name: 'views', data: [10n, 20n, null], type: 'INT64' },
          { name: 'promoted', data: [true, false, true], type: 'BOOLEAN' },
          { name: 'click', data: [true, false, true], type: 'BOOLEAN' },
        ],
      });
      writeFileSync(path, new Uint8Array(buffer));
      const ds = await loadDataset({ path, ignore: ['id'] });
      assert.deepEqual(ds.featureNames, ['price', 'views', 'promoted']);
      assert.deepEqual(Array.from(ds.columns[0]!), [1.5, Number.NaN, 3]);
      assert.deepEqual(Array.from(ds.columns[1]!), [10, 20, Number.NaN]);
      assert.deepEqual(Array.from(ds.columns[2]!), [1, 0, 1]);
      assert.deepEqual(Array.from(ds.labels), [1, 0, 1]);
      await assert.rejects(loadDataset({ path }), /string values are not numeric/);
      await assert.rejects(loadDataset({ path, label: 'views', features: ['price'] }), /row 0, column views: label 10 is not 0 or 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
