/**
 * CSV → TrainingDataset. Header row required; the label column (default "click") holds
 * 0/1 (also "true"/"false", "1.0"/"0.0"); feature columns are numbers, with empty, "NA",
 * "NaN", "null" and "None" read as missing (NaN). Fields may be double-quoted ("" escapes a
 * quote) but may not span lines. Streams the file: memory is the columns, not the text.
 */
import { createReadStream } from 'node:fs';
import { invalid } from '../core/errors.ts';
import type { TrainingDataset } from './dataset.ts';

export interface CsvOptions {
  /** Label column; default "click". */
  label?: string;
  /** Feature columns, in the model's declared order; default every other column not ignored. */
  features?: string[];
  /** Columns to skip when `features` is not given (ids, timestamps). */
  ignore?: string[];
  /** Field separator; default ",". */
  delimiter?: string;
  /** A column of times (ms since the epoch, as the retrain datasets' `_ts`), read into `times`. */
  time?: string;
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none', 'n/a']);

/** Incremental parser: feed lines, then build. */
export class CsvDatasetBuilder {
  private readonly options: CsvOptions;
  private readonly delimiter: string;
  private header: string[] | null = null;
  private labelIndex = -1;
  private featureIndexes: number[] = [];
  private featureNames: string[] = [];
  private columns: Float64Array[] = [];
  private labels = new Uint8Array(1024);
  private timeIndex = -1;
  private times: Float64Array | null = null;
  private rows = 0;
  private line = 0;

  constructor(options: CsvOptions = {}) {
    this.options = options;
    this.delimiter = options.delimiter ?? ',';
    if (this.delimiter.length !== 1 || this.delimiter === '"') throw invalid('delimiter: one character other than "');
  }

  pushLine(raw: string): void {
    this.line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.header === null) {
      this.readHeader(splitFields(text.replace(/^\uFEFF/, ''), this.delimiter, this.line));
      return;
    }
    if (text.trim() === '') return;
    const fields = splitFields(text, this.delimiter, this.line);
    if (fields.length !== this.header.length) {
      throw invalid(`line ${this.line}: ${fields.length} fields, the header has ${this.header.length}`);
    }
    if (this.rows === this.labels.length) this.grow();
    this.labels[this.rows] = parseLabel(fields[this.labelIndex]!, this.line, this.header[this.labelIndex]!);
    for (let k = 0; k < this.featureIndexes.length; k++) {
      const field = fields[this.featureIndexes[k]!]!.trim();
      let value = Number.NaN;
      if (!MISSING.has(field.toLowerCase())) {
        value = Number(field);
        if (Number.isNaN(value)) throw invalid(`line ${this.line}, column ${this.featureNames[k]}: "${field}" is not a number`);
      }
      this.columns[k]![this.rows] = value;
    }
    if (this.times) {
      const field = fields[this.timeIndex]!.trim();
      const ms = Number(field);
      if (field === '' || !Number.isFinite(ms)) throw invalid(`line ${this.line}, column ${this.header[this.timeIndex]}: "${field}" is not a time in ms since the epoch`);
      this.times[this.rows] = ms;
    }
    this.rows++;
  }

  build(): TrainingDataset {
    if (this.header === null) throw invalid('csv: the file is empty (a header row is required)');
    return {
      featureNames: [...this.featureNames],
      columns: this.columns.map((c) => c.slice(0, this.rows)),
      labels: this.labels.slice(0, this.rows),
      ...(this.times && { times: this.times.slice(0, this.rows) }),
    };
  }

  private readHeader(names: string[]): void {
    const header = names.map((n) => n.trim());
    const label = this.options.label ?? 'click';
    this.labelIndex = header.indexOf(label);
    if (this.labelIndex < 0) throw invalid(`label: column "${label}" not in the header (${header.join(', ')})`);
    const ignore = new Set(this.options.ignore ?? []);
    this.featureNames = this.options.features
      ? [...this.options.features]
      : header.filter((name, i) => i !== this.labelIndex && !ignore.has(name));
    if (this.featureNames.length === 0) throw invalid('features: no feature columns');
    this.featureIndexes = this.featureNames.map((name) => {
      const i = header.indexOf(name);
      if (i < 0) throw invalid(`features: column "${name}" not in the header`);
      if (i === this.labelIndex) throw invalid(`features: "${name}" is the label column`);
      return i;
    });
    if (this.options.time !== undefined) {
      this.timeIndex = header.indexOf(this.options.time);
      if (this.timeIndex < 0) throw invalid(`time: column "${this.options.time}" not in the header`);
      this.times = new Float64Array(this.labels.length);
    }
    this.header = header;
    this.columns = this.featureNames.map(() => new Float64Array(this.labels.length));
  }

  private grow(): void {
    const capacity = this.labels.length * 2;
    const labels = new Uint8Array(capacity);
    labels.set(this.labels);
    this.labels = labels;
    const wider = (c: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(c);
      return next;
    };
    this.columns = this.columns.map(wider);
    if (this.times) this.times = wider(this.times);
  }
}

function parseLabel(field: string, line: number, column: string): number {
  const v = field.trim().toLowerCase();
  if (v === '1' || v === 'true' || v === '1.0') return 1;
  if (v === '0' || v === 'false' || v === '0.0') return 0;
  throw invalid(`line ${line}, column ${column}: label "${field}" is not 0 or 1`);
}

function splitFields(line: string, delimiter: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw invalid(`line ${lineNo}: unterminated quoted field (fields may not span lines)`);
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== delimiter) throw invalid(`line ${lineNo}: text after a closing quote`);
    } else {
      const d = line.indexOf(delimiter, i);
      const end = d < 0 ? line.length : d;
      field = line.slice(i, end);
      i = end;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // skip the delimiter
    if (i === line.length) {
      out.push('');
      return out;
    }
  }
}

/** Parses CSV text held in memory. */
export function parseCsvDataset(text: string, options: CsvOptions = {}): TrainingDataset {
  const builder = new CsvDatasetBuilder(options);
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    builder.pushLine(text.slice(start, stop));
    start = stop + 1;
  }
  return builder.build();
}

/** Reads a CSV file, streaming. */
export async function loadCsvDataset(path: string, options: CsvOptions = {}): Promise<TrainingDataset> {
  const builder = new CsvDatasetBuilder(options);
  let carry = '';
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<string>) {
    const text = carry + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      builder.pushLine(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry.length > 0) builder.pushLine(carry);
  return builder.build();
}
