/**
 * Dataset files → TrainingDataset, by format: CSV, TSV and Parquet; other formats plug in
 * with registerDatasetLoader without touching the trainer.
 */
import { extname } from 'node:path';
import { DomainError, invalid } from '../core/errors.ts';
import { type CsvOptions, loadCsvDataset } from './csv.ts';
import type { TrainingDataset } from './dataset.ts';
import { loadParquetDataset } from './parquet.ts';

export interface DatasetSource {
  path: string;
  /** Format name; default from the file extension (".csv" → "csv"). */
  format?: string;
  /** Label column; default "click". */
  label?: string;
  /** Feature columns, in the model's declared order; default all columns but the label and `ignore`. */
  features?: string[];
  ignore?: string[];
  /** A column of times in ms since the epoch (recency weights: training/recency.ts); delimited text formats only. */
  time?: string;
  /** For delimited text formats. */
  delimiter?: string;
}

export type DatasetLoader = (source: DatasetSource) => Promise<TrainingDataset>;

const csvOptions = (s: DatasetSource, delimiter: string): CsvOptions => ({
  delimiter: s.delimiter ?? delimiter,
  ...(s.label !== undefined && { label: s.label }),
  ...(s.features !== undefined && { features: s.features }),
  ...(s.ignore !== undefined && { ignore: s.ignore }),
  ...(s.time !== undefined && { time: s.time }),
});

const loaders = new Map<string, DatasetLoader>([
  ['csv', (s) => loadCsvDataset(s.path, csvOptions(s, ','))],
  ['tsv', (s) => loadCsvDataset(s.path, csvOptions(s, '\t'))],
  [
    'parquet',
    (s) => {
      if (s.time !== undefined) throw invalid('time: a time column is read from CSV or TSV only');
      return loadParquetDataset(s.path, {
      ...(s.label !== undefined && { label: s.label }),
      ...(s.features !== undefined && { features: s.features }),
        ...(s.ignore !== undefined && { ignore: s.ignore }),
      });
    },
  ],
]);

export function registerDatasetLoader(format: string, loader: DatasetLoader): void {
  loaders.set(format.toLowerCase(), loader);
}

export const datasetFormats = (): string[] => [...loaders.keys()];

export async function loadDataset(source: DatasetSource): Promise<TrainingDataset> {
  const format = (source.format ?? extname(source.path).slice(1)).toLowerCase();
  const loader = loaders.get(format);
  if (!loader) {
    throw new DomainError(
      'unsupported_media_type',
      `dataset: format "${format || '(none)'}" is not supported; one of ${datasetFormats().join(', ')}`,
    );
  }
  try {
    return await loader(source);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DomainError('not_found', `dataset: no file at ${source.path}`);
    }
    throw error;
  }
}
