/**
 * Training datasets: the joined predictions + outcomes of a window, exported to
 * `<dataDir>/datasets/<jobId>/` as CSV (always: every trainer reads it) and Parquet
 * (optional), split by time into training rows and the held-out most recent rows that the
 * validation gate scores, with a manifest describing both.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from 'hyparquet-writer';
import { invalid } from '../core/errors.ts';
import type { Feature } from '../models/model-schemas.ts';

export type LabelKind = 'click' | 'conversion' | 'label';
export const labelKinds = ['click', 'conversion', 'label'] as const;

export interface LabelledRowLike {
  features: Record<string, unknown>;
  label: 0 | 1;
  ts: number;
  version: string;
}

/** Columns besides the features: event time (epoch ms) and the version that served it. */
export const TS_COLUMN = '_ts';
export const VERSION_COLUMN = '_version';

export interface LabelBalance {
  rows: number;
  positives: number;
  negatives: number;
  /** positives / rows; 0 when there are no rows. */
  positiveRate: number;
}

export interface DatasetManifest {
  format: 1;
  model: string;
  jobId: string;
  createdAt: string;
  window: { from: string; to: string; fromMs: number; toMs: number };
  label: LabelKind;
  labelColumn: string;
  /** Column order of every file. */
  schema: Array<{ name: string; type: 'numeric' | 'categorical' | 'timestamp_ms' | 'string' | 'label'; role: 'feature' | 'label' | 'meta' }>;
  features: Feature[];
  rows: number;
  split: {
    method: 'time';
    /** The most recent `holdoutFraction` of rows (by time) are held out for the gate, never trained on. */
    holdoutFraction: number;
    /** Time of the first held-out row (null when there is none). */
    holdoutFrom: string | null;
  };
  balance: { all: LabelBalance; train: LabelBalance; holdout: LabelBalance };
  files: { train: { csv: string; parquet?: string }; holdout: { csv: string; parquet?: string } };
}

export interface HeldOutRows {
  features: Array<Record<string, unknown>>;
  labels: Uint8Array;
  ts: Float64Array;
}

export interface DatasetExport {
  dir: string;
  manifestPath: string;
  manifest: DatasetManifest;
  trainCsv: string;
  holdoutCsv: string;
  trainParquet?: string;
  /** The newest held-out rows, at most `maxHoldoutRows` of them (the gate scores these). */
  holdout: HeldOutRows;
  /** An evenly thinned sample of the training rows (reference profile). */
  profileRows: Array<Record<string, unknown>>;
}

export interface DatasetExportOptions {
  dataDir: string;
  jobId: string;
  model: string;
  features: readonly Feature[];
  window: { from: number; to: number };
  label: LabelKind;
  rows: AsyncIterable<LabelledRowLike>;
  holdoutFraction?: number;
  maxHoldoutRows?: number;
  maxProfileRows?: number;
  parquet?: boolean;
  signal?: AbortSignal;
  /** Called every few thousand rows. */
  onRows?: (phase: 'read' | 'write', rows: number) => void;
}

export const datasetDir = (dataDir: string, jobId: string): string => path.join(dataDir, 'datasets', jobId);

const balance = (rows: number, positives: number): LabelBalance => ({
  rows,
  positives,
  negatives: rows - positives,
  positiveRate: rows ? positives / rows : 0,
});

/** A numeric cell: finite numbers (booleans as 0/1); anything else is missing (empty). */
export function numericCell(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** A categorical cell: strings (numbers and booleans as text); anything else is missing. */
export function categoricalCell(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value.replace(/[\r\n]+/g, ' ');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** CSV field quoting (RFC 4180); text never holds line breaks (categoricalCell removes them). */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(features: readonly Feature[], labelColumn: string): string {
  return [TS_COLUMN, VERSION_COLUMN, ...features.map((f) => f.name), labelColumn].map(csvField).join(',');
}

export function csvLine(row: LabelledRowLike, features: readonly Feature[]): string {
  const cells = [String(Math.trunc(row.ts)), csvField(row.version)];
  for (const f of features) {
    const value = row.features[f.name];
    if (f.type === 'numeric') {
      const x = numericCell(value);
      cells.push(x === null ? '' : String(x));
    } else {
      const s = categoricalCell(value);
      cells.push(s === null ? '' : csvField(s));
    }
  }
  cells.push(row.label ? '1' : '0');
  return cells.join(',');
}

/** Buffered text file writer that respects back-pressure. */
class TextSink {
  private readonly stream: fs.WriteStream;
  private pending: string[] = [];
  private size = 0;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file, { encoding: 'utf8' });
  }

  async write(line: string): Promise<void> {
    this.pending.push(line);
    this.size += line.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const chunk = this.pending.join('\n') + '\n';
    this.pending = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/** Parquet file written in row groups of `chunk` rows. */
class ParquetSink {
  private readonly writer: ParquetWriter;
  private readonly features: readonly Feature[];
  private readonly labelColumn: string;
  private rows: LabelledRowLike[] = [];
  private readonly chunk = 50_000;

  constructor(file: string, features: readonly Feature[], labelColumn: string) {
    this.features = features;
    this.labelColumn = labelColumn;
    const schema = schemaFromColumnData({ columnData: this.columns([]) });
    this.writer = new ParquetWriter({ writer: fileWriter(file), schema, statistics: false, createdBy: 'modelwatch' });
  }

  private columns(rows: LabelledRowLike[]): ColumnSource[] {
    return [
      { name: TS_COLUMN, data: rows.map((r) => new Date(r.ts)), type: 'TIMESTAMP', nullable: false },
      { name: VERSION_COLUMN, data: rows.map((r) => r.version), type: 'STRING', nullable: false },
      ...this.features.map((f): ColumnSource =>
        f.type === 'numeric'
          ? { name: f.name, data: rows.map((r) => numericCell(r.features[f.name])), type: 'DOUBLE' }
          : { name: f.name, data: rows.map((r) => categoricalCell(r.features[f.name])), type: 'STRING' },
      ),
      { name: this.labelColumn, data: Int32Array.from(rows, (r) => r.label), type: 'INT32', nullable: false },
    ];
  }

  add(row: LabelledRowLike): void {
    this.rows.push(row);
    if (this.rows.length >= this.chunk) this.flush();
  }

  private flush(): void {
    if (!this.rows.length) return;
    this.writer.write({ columnData: this.columns(this.rows), rowGroupSize: this.chunk });
    this.rows = [];
  }

  close(): void {
    this.flush();
    this.writer.finish();
  }
}

function checkColumns(features: readonly Feature[], labelColumn: string): void {
  const reserved = new Set([TS_COLUMN, VERSION_COLUMN, labelColumn]);
  for (const f of features) {
    if (reserved.has(f.name)) throw invalid(`feature "${f.name}" has the name of a dataset column (${[...reserved].join(', ')}); rename it to export a training dataset`);
  }
}

const aborted = (signal: AbortSignal | undefined): void => {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
};

/**
 * Exports the rows (oldest first) in two passes: the first spools them to a temporary
 * NDJSON file and counts them, the second splits at the time cut and writes the files, so
 * memory holds only the held-out rows the gate scores and the profile sample.
 */
export async function exportDataset(options: DatasetExportOptions): Promise<DatasetExport> {
  const holdoutFraction = options.holdoutFraction ?? 0.2;
  if (!(holdoutFraction > 0 && holdoutFraction < 1)) throw invalid('holdoutFraction: must be in (0, 1)');
  const maxHoldoutRows = options.maxHoldoutRows ?? 200_000;
  const maxProfileRows = options.maxProfileRows ?? 100_000;
  const labelColumn = options.label;
  checkColumns(options.features, labelColumn);
  const dir = datasetDir(options.dataDir, options.jobId);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  // Pass 1: spool and count.
  const spool = path.join(dir, 'rows.ndjson.tmp');
  const spoolSink = new TextSink(spool);
  let count = 0;
  let positives = 0;
  let lastTs = -Infinity;
  for await (const row of options.rows) {
    if (row.ts < lastTs) throw new Error('dataset rows must come oldest first');
    lastTs = row.ts;
    await spoolSink.write(JSON.stringify([row.ts, row.version, row.label, row.features]));
    count++;
    positives += row.label;
    if (count % 10_000 === 0) {
      aborted(options.signal);
      options.onRows?.('read', count);
    }
  }
  await spoolSink.close();
  aborted(options.signal);

  // Pass 2: split at the time cut and write the files.
  const holdoutRows = count >= 2 ? Math.max(1, Math.round(count * holdoutFraction)) : 0;
  const trainRows = count - holdoutRows;
  const gateStart = count - Math.min(holdoutRows, maxHoldoutRows);
  const stride = Math.max(1, Math.ceil(trainRows / maxProfileRows));
  const files = {
    trainCsv: path.join(dir, 'train.csv'),
    holdoutCsv: path.join(dir, 'holdout.csv'),
    trainParquet: path.join(dir, 'train.parquet'),
    holdoutParquet: path.join(dir, 'holdout.parquet'),
  };
  const header = csvHeader(options.features, labelColumn);
  const trainCsv = new TextSink(files.trainCsv);
  const holdoutCsv = new TextSink(files.holdoutCsv);
  await trainCsv.write(header);
  await holdoutCsv.write(header);
  const trainParquet = options.parquet ? new ParquetSink(files.trainParquet, options.features, labelColumn) : undefined;
  const holdoutParquet = options.parquet ? new ParquetSink(files.holdoutParquet, options.features, labelColumn) : undefined;
  const gateCount = count - gateStart;
  const holdout: HeldOutRows = { features: [], labels: new Uint8Array(gateCount), ts: new Float64Array(gateCount) };
  const profileRows: Array<Record<string, unknown>> = [];
  let trainPositives = 0;
  let holdoutFrom: number | null = null;
  let index = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(spool, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of lines) {
    if (!text) continue;
    const [ts, version, label, features] = JSON.parse(text) as [number, string, 0 | 1, Record<string, unknown>];
    const row: LabelledRowLike = { ts, version, label, features };
    const line = csvLine(row, options.features);
    if (index < trainRows) {
      await trainCsv.write(line);
      trainParquet?.add(row);
      trainPositives += label;
      if (index % stride === 0 && profileRows.length < maxProfileRows) profileRows.push(features);
    } else {
      holdoutFrom ??= ts;
      await holdoutCsv.write(line);
      holdoutParquet?.add(row);
      if (index >= gateStart) {
        const k = index - gateStart;
        holdout.features.push(features);
        holdout.labels[k] = label;
        holdout.ts[k] = ts;
      }
    }
    index++;
    if (index % 10_000 === 0) {
      aborted(options.signal);
      options.onRows?.('write', index);
    }
  }
  await trainCsv.close();
  await holdoutCsv.close();
  trainParquet?.close();
  holdoutParquet?.close();
  fs.rmSync(spool, { force: true });

  const schema: DatasetManifest['schema'] = [
    { name: TS_COLUMN, type: 'timestamp_ms', role: 'meta' },
    { name: VERSION_COLUMN, type: 'string', role: 'meta' },
    ...options.features.map((f) => ({ name: f.name, type: f.type, role: 'feature' as const })),
    { name: labelColumn, type: 'label', role: 'label' },
  ];
  const rel = (file: string) => path.basename(file);
  const manifest: DatasetManifest = {
    format: 1,
    model: options.model,
    jobId: options.jobId,
    createdAt: new Date().toISOString(),
    window: {
      from: new Date(options.window.from).toISOString(),
      to: new Date(options.window.to).toISOString(),
      fromMs: options.window.from,
      toMs: options.window.to,
    },
    label: options.label,
    labelColumn,
    schema,
    features: options.features.map((f) => ({ name: f.name, type: f.type })),
    rows: count,
    split: { method: 'time', holdoutFraction, holdoutFrom: holdoutFrom === null ? null : new Date(holdoutFrom).toISOString() },
    balance: {
      all: balance(count, positives),
      train: balance(trainRows, trainPositives),
      holdout: balance(holdoutRows, positives - trainPositives),
    },
    files: {
      train: { csv: rel(files.trainCsv), ...(options.parquet ? { parquet: rel(files.trainParquet) } : {}) },
      holdout: { csv: rel(files.holdoutCsv), ...(options.parquet ? { parquet: rel(files.holdoutParquet) } : {}) },
    },
  };
  const manifestPath = path.join(dir, 'manifest.json');
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  return {
    dir,
    manifestPath,
    manifest,
    trainCsv: files.trainCsv,
    holdoutCsv: files.holdoutCsv,
    ...(options.parquet ? { trainParquet: files.trainParquet } : {}),
    holdout,
    profileRows,
  };
}
