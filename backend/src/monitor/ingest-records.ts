/**
 * Parsing and validating ingest records (pure: no I/O). A batch is checked record by record:
 * each record is either valid or rejected with its index and a reason naming the field.
 *
 * Prediction `{id, ts?, version, arm?, features?, score?, latencyMs?, error?}`:
 * - id: non-empty string (≤ 200 chars) or a whole number; unique per model.
 * - ts: epoch ms or RFC 3339; absent → the time it was received. Values before 2000 (a time
 *   in seconds, most likely), more than an hour ahead, and (predictions) older than the
 *   ingest window (MODELWATCH_INGEST_MAX_AGE) are rejected.
 * - version: non-empty string (≤ 128); arm: string (≤ 64), absent → "default". Any is valid
 *   here; which (version, arm) keys get rollups of their own is cardinality.ts's call.
 * - features: object. Declared numeric features must be finite numbers or null/absent
 *   (missing); NaN, ±Infinity, strings, booleans are rejected. Declared categorical
 *   features: string, number or boolean, or null/absent/'' (missing). Undeclared keys are
 *   stored with the record but not monitored.
 * - score: finite number or null; latencyMs: finite number ≥ 0 or null; error: boolean,
 *   string (a message) or null.
 * - unitId: the randomization unit (user) the router hashed to pick the arm: a non-empty
 *   string (≤ 256 chars, as /predict takes) or a whole number, or null/absent (legacy producers; their
 *   experiments fall back to the per-event analysis). Experiments analyse by unit when
 *   predictions carry it (experiments/unit-analysis.ts).
 * Outcome `{id, ts?, impression?, click?, conversion?, label?}`: id of the prediction;
 * impression/click/conversion: boolean or a whole number ≥ 0 (pre-aggregated); label:
 * boolean, 0 or 1; at least one of the four.
 */
import { DomainError } from '../core/errors.ts';
import { validateCategorical, validateNumeric } from '../stats/profile.ts';
import { DEFAULT_ARM } from './rollup.ts';

export const MAX_BATCH_RECORDS = 10_000;
const MIN_TS = Date.UTC(2000, 0, 1);
const MAX_AHEAD_MS = 3_600_000;
const MAX_ID = 200;
const MAX_VERSION = 128;
const MAX_ARM = 64;
/** As long as /predict accepts (http/routes/serving.ts), so every served unit id can be logged. */
export const MAX_UNIT_ID = 256;

export interface Rejection {
  index: number;
  error: string;
}

export interface DeclaredFeature {
  name: string;
  type: 'numeric' | 'categorical';
}

/** A validated prediction. `features` is the record's own object (not copied). */
export interface PredictionRecord {
  index: number;
  id: string;
  ts: number;
  version: string;
  arm: string;
  features: Record<string, unknown>;
  score: number | null;
  latencyMs: number | null;
  /** null: no error; true or a message: the request failed. */
  error: true | string | null;
  /** The randomization unit; null when the producer sent none. */
  unitId: string | null;
}

export interface OutcomeRecord {
  index: number;
  id: string;
  ts: number;
  impression: number | null;
  click: number | null;
  conversion: number | null;
  label: 0 | 1 | null;
}

/** A prediction rejected only because declared feature `feature` had the wrong type (data quality counts it). */
export interface TypeRejection {
  index: number;
  ts: number;
  version: string;
  arm: string;
  feature: string;
}

/** The list of records in a request body: `{records: [...]}`, a bare array, or NDJSON text. */
export function recordsOfBody(body: unknown): { records: unknown[]; rejected: Rejection[] } {
  if (typeof body === 'string') return parseNdjson(body);
  if (Array.isArray(body)) return { records: body, rejected: [] };
  if (body !== null && typeof body === 'object' && Array.isArray((body as { records?: unknown }).records)) {
    return { records: (body as { records: unknown[] }).records, rejected: [] };
  }
  throw new DomainError(
    'invalid_argument',
    'body: expected {"records": [...]} (Content-Type: application/json) or one JSON record per line (Content-Type: application/x-ndjson)',
  );
}

/**
 * NDJSON: one record per non-blank line; a line that is not valid JSON is rejected on its
 * own (index = its position among the non-blank lines, as for the records it would be).
 */
export function parseNdjson(text: string): { records: unknown[]; rejected: Rejection[] } {
  const records: unknown[] = [];
  const rejected: Rejection[] = [];
  let start = 0;
  let line = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    line++;
    if (raw === '') continue;
    try {
      records.push(JSON.parse(raw));
    } catch (error) {
      rejected.push({ index: records.length, error: `line ${line}: not valid JSON (${(error as Error).message})` });
      records.push(undefined);
    }
  }
  return { records, rejected };
}

/**
 * Bounds of a record's ts: `now` (at most an hour ahead) and, for predictions, the oldest
 * accepted time: a prediction opens the rollup of its minute, so unbounded back-dating
 * would make the minutes an attacker can open unbounded too (issue 16).
 */
export interface TsWindow {
  now: number;
  /** ms before now; undefined: only the 2000-01-01 floor. */
  maxAgeMs?: number | undefined;
}

function describeAge(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? '' : 's'}`;
  return `${ms} ms`;
}

/** Epoch ms of a ts field, or a reason. */
function parseTs(value: unknown, window: TsWindow): number | string {
  const { now, maxAgeMs } = window;
  let ms: number;
  if (value === undefined || value === null) return now;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  else return 'ts: expected epoch milliseconds or an RFC 3339 time';
  if (!Number.isFinite(ms)) return `ts: expected epoch milliseconds or an RFC 3339 time, got ${JSON.stringify(value)}`;
  if (ms < MIN_TS) return `ts: ${JSON.stringify(value)} is before 2000-01-01; send epoch milliseconds (not seconds) or an RFC 3339 time`;
  if (ms > now + MAX_AHEAD_MS) return `ts: ${JSON.stringify(value)} is more than an hour in the future`;
  if (maxAgeMs !== undefined && ms < now - maxAgeMs) {
    return `ts: ${JSON.stringify(value)} is more than ${describeAge(maxAgeMs)} old (the ingest window, MODELWATCH_INGEST_MAX_AGE); send records from ${new Date(now - maxAgeMs).toISOString()} on`;
  }
  return Math.floor(ms);
}

function parseId(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 && value.length <= MAX_ID ? value : null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

const ID_ERROR = `id: required, a non-empty string of at most ${MAX_ID} characters (or a whole number)`;

function describe(value: unknown): string {
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** The checks of one kind of record after its id and ts: the valid record, or a reason. */
type RecordCheck<T> = (index: number, r: Record<string, unknown>, id: string, ts: number) => T | string;

/**
 * Validates each record (but those at positions in `skip`): the checks every record starts
 * with (an object with an id and a ts), then `check`. Returns the valid ones (in order) and
 * the rejections (index order is not guaranteed; callers sort).
 */
function validateEach<T>(
  records: readonly unknown[],
  window: TsWindow,
  idError: string,
  skip: ReadonlySet<number> | undefined,
  check: RecordCheck<T>,
): { valid: T[]; rejected: Rejection[] } {
  const valid: T[] = [];
  const rejected: Rejection[] = [];
  for (let index = 0; index < records.length; index++) {
    if (skip?.has(index)) continue;
    const result = validateOne(records[index], index, window, idError, check);
    if (typeof result === 'string') rejected.push({ index, error: result });
    else valid.push(result);
  }
  return { valid, rejected };
}

function validateOne<T>(rec: unknown, index: number, window: TsWindow, idError: string, check: RecordCheck<T>): T | string {
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return `record must be a JSON object, got ${describe(rec)}`;
  const r = rec as Record<string, unknown>;
  const id = parseId(r.id);
  if (id === null) return idError;
  const ts = parseTs(r.ts, window);
  if (typeof ts === 'string') return ts;
  return check(index, r, id, ts);
}

/** Validates predictions (`now`: a number, or the window with the oldest accepted ts). Duplicate ids within the batch: the first one wins. */
export function validatePredictions(
  records: readonly unknown[],
  features: readonly DeclaredFeature[],
  now: number | TsWindow,
  skip?: ReadonlySet<number>,
): { valid: PredictionRecord[]; rejected: Rejection[]; typeRejections: TypeRejection[] } {
  const seen = new Set<string>();
  const typeRejections: TypeRejection[] = [];
  const nf = features.length;
  const window = typeof now === 'number' ? { now } : now;
  const result = validateEach(records, window, ID_ERROR, skip, (index, r, id, ts): PredictionRecord | string => {
    const version = r.version;
    if (typeof version !== 'string' || version.length === 0 || version.length > MAX_VERSION) {
      return `version: required, a non-empty string of at most ${MAX_VERSION} characters`;
    }
    let arm = r.arm;
    if (arm === undefined || arm === null) arm = DEFAULT_ARM;
    else if (typeof arm !== 'string' || arm.length === 0 || arm.length > MAX_ARM) {
      return `arm: expected a non-empty string of at most ${MAX_ARM} characters`;
    }
    let values = r.features;
    if (values === undefined || values === null) values = {};
    else if (typeof values !== 'object' || Array.isArray(values)) {
      return `features: expected an object of feature values, got ${describe(values)}`;
    }
    const fv = values as Record<string, unknown>;
    for (let f = 0; f < nf; f++) {
      const decl = features[f] as DeclaredFeature;
      const v = fv[decl.name];
      if (v === undefined || v === null) continue;
      const p = decl.type === 'numeric' ? (typeof v === 'number' && Number.isFinite(v) ? null : validateNumeric(v)) : validateCategorical(v);
      if (p !== null) {
        typeRejections.push({ index, ts, version, arm: arm as string, feature: decl.name });
        return `features.${decl.name}: ${p}`;
      }
    }
    const score = r.score;
    if (score !== undefined && score !== null && !(typeof score === 'number' && Number.isFinite(score))) {
      return `score: expected a finite number or null, got ${describe(score)}`;
    }
    const latency = r.latencyMs;
    if (latency !== undefined && latency !== null && !(typeof latency === 'number' && latency >= 0 && latency !== Infinity)) {
      return `latencyMs: expected a finite number ≥ 0 or null, got ${describe(latency)}`;
    }
    const err = r.error;
    let error: true | string | null;
    if (err === undefined || err === null || err === false || err === '') error = null;
    else if (err === true) error = true;
    else if (typeof err === 'string') error = err.length > 1000 ? err.slice(0, 1000) : err;
    else return `error: expected a boolean, a message string or null, got ${describe(err)}`;
    const unit = r.unitId;
    let unitId: string | null = null;
    if (unit !== undefined && unit !== null) {
      unitId = typeof unit === 'string' ? (unit.length > 0 && unit.length <= MAX_UNIT_ID ? unit : null) : parseId(unit);
      if (unitId === null) {
        return `unitId: expected the randomization unit as a non-empty string of at most ${MAX_UNIT_ID} characters or a whole number (or null), got ${describe(unit)}${typeof unit === 'string' && unit.length > MAX_UNIT_ID ? ` of ${unit.length} characters` : ''}`;
      }
    }
    if (seen.has(id)) return `id: "${id}" appears more than once in this batch; prediction ids are unique per model`;
    seen.add(id);
    return {
      index,
      id,
      ts,
      version,
      arm: arm as string,
      features: fv,
      score: (score as number | null | undefined) ?? null,
      latencyMs: (latency as number | null | undefined) ?? null,
      error,
      unitId,
    };
  });
  return { ...result, typeRejections };
}

function outcomeCount(value: unknown, field: string): number | null | string {
  if (value === undefined || value === null) return null;
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  return `${field}: expected a boolean or a whole number ≥ 0, got ${describe(value)}`;
}

/**
 * Validates outcomes. No age bound: an outcome counts in its prediction's minute (inside the
 * ingest window when the prediction came), and late conversions are normal.
 */
export function validateOutcomes(
  records: readonly unknown[],
  now: number,
  skip?: ReadonlySet<number>,
): { valid: OutcomeRecord[]; rejected: Rejection[] } {
  return validateEach(records, { now }, `${ID_ERROR}: the id of the prediction this outcome belongs to`, skip, (index, r, id, ts): OutcomeRecord | string => {
    const impression = outcomeCount(r.impression, 'impression');
    const click = outcomeCount(r.click, 'click');
    const conversion = outcomeCount(r.conversion, 'conversion');
    const bad = [impression, click, conversion].find((v) => typeof v === 'string');
    if (bad !== undefined) return bad as string;
    let label: 0 | 1 | null;
    const l = r.label;
    if (l === undefined || l === null) label = null;
    else if (l === true || l === 1) label = 1;
    else if (l === false || l === 0) label = 0;
    else return `label: expected true/false or 1/0, got ${describe(l)}`;
    if (impression === null && click === null && conversion === null && label === null) {
      return 'outcome names none of impression, click, conversion, label';
    }
    return {
      index,
      id,
      ts,
      impression: impression as number | null,
      click: click as number | null,
      conversion: conversion as number | null,
      label,
    };
  });
}
