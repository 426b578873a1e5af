/**
 * Parquet → TrainingDataset with hyparquet (pure JavaScript). Flat files: one top-level
 * column per feature and one for the label. Numeric feature columns may be any integer or
 * float type (INT64 arrives as bigint and is converted), booleans read as 0/1, null as
 * missing (NaN). Labels are 0/1 numbers or booleans; a null label is refused.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { invalid } from '../core/errors.ts';
import type { TrainingDataset } from './dataset.ts';

export interface ParquetOptions {
  label?: string;
  features?: string[];
  ignore?: string[];
}

function toNumber(value: unknown, where: () => string): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw invalid(`${where()}: ${typeof value} values are not numeric`);
}

export async function loadParquetDataset(path: string, options: ParquetOptions = {}): Promise<TrainingDataset> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const header = parquetSchema(metadata).children.map((c) => c.element.name);
  const label = options.label ?? 'click';
  if (!header.includes(label)) throw invalid(`label: column "${label}" not in the file (${header.join(', ')})`);
  const ignore = new Set(options.ignore ?? []);
  const featureNames = options.features ? [...options.features] : header.filter((n) => n !== label && !ignore.has(n));
  if (featureNames.length === 0) throw invalid('features: no feature columns');
  for (const name of featureNames) {
    if (!header.includes(name)) throw invalid(`features: column "${name}" not in the file`);
    if (name === label) throw invalid(`features: "${name}" is the label column`);
  }
  const rows = Number(metadata.num_rows);
  const columns = featureNames.map(() => new Float64Array(rows));
  const labels = new Uint8Array(rows);
  const index = new Map(featureNames.map((name, j) => [name, j]));
  // hyparquet does not propagate errors thrown by onChunk: keep the first and throw it after.
  let problem: Error | null = null;
  await parquetRead({
    file,
    metadata,
    columns: [...featureNames, label],
    onChunk: ({ columnName, columnData, rowStart, rowEnd }) => {
      if (problem) return;
      try {
        const end = Math.min(rowEnd, rows);
        if (columnName === label) {
          for (let i = rowStart; i < end; i++) {
            const raw = columnData[i - rowStart];
            const v = toNumber(raw, () => `row ${i}, column ${label}`);
            if (v !== 0 && v !== 1) throw invalid(`row ${i}, column ${label}: label ${String(raw)} is not 0 or 1`);
            labels[i] = v;
          }
          return;
        }
        const j = index.get(columnName);
        if (j === undefined) return;
        const column = columns[j]!;
        for (let i = rowStart; i < end; i++) column[i] = toNumber(columnData[i - rowStart], () => `row ${i}, column ${columnName}`);
      } catch (error) {
        problem = error as Error;
      }
    },
  });
  if (problem) throw problem;
  return { featureNames, columns, labels };
}
