/** What the two ingest use cases share: the batch checks, the counters, the result. */
import { DomainError, invalid } from '../core/errors.ts';
import { MAX_BATCH_RECORDS, type Rejection } from './ingest-records.ts';
import type { MonitorContext } from './monitor-context.ts';

export interface IngestResult {
  accepted: number;
  rejected: Rejection[];
  /** Outcomes parked until their prediction lands (outcome-parking.ts); 0 for predictions. */
  pending: number;
  /** Their positions in the batch, ascending. */
  pendingIndexes: number[];
  /**
   * Predictions accepted under the model's `__other__` bucket: their version or arm is not
   * registered and the model's unregistered keys are at their cap (cardinality.ts); 0 for outcomes.
   */
  bucketed: number;
  /** Their positions in the batch, ascending. */
  bucketedIndexes: number[];
}

export interface IngestOptions {
  /** Records the caller already rejected (NDJSON lines that are not JSON): skipped, reported. */
  preRejected?: Rejection[];
}

/** The batch as an array of at most MAX_BATCH_RECORDS records. */
export function checkBatch(records: unknown): unknown[] {
  if (!Array.isArray(records)) throw invalid('records: expected an array of records');
  if (records.length > MAX_BATCH_RECORDS) {
    throw new DomainError(
      'payload_too_large',
      `records: ${records.length} records in one batch; send at most ${MAX_BATCH_RECORDS.toLocaleString('en-US')} per request`,
    );
  }
  return records;
}

/** Positions validation skips: those already rejected. */
export function preRejectedPositions(opts: IngestOptions): ReadonlySet<number> | undefined {
  return opts.preRejected?.length ? new Set(opts.preRejected.map((r) => r.index)) : undefined;
}

/** Counts the batch in the ingest counters; the result lists the rejections, pending and bucketed records in index order. */
export function ingestResult(
  ctx: MonitorContext,
  model: string,
  kind: 'prediction' | 'outcome',
  accepted: number,
  rejected: Rejection[],
  pendingIndexes: number[] = [],
  bucketedIndexes: number[] = [],
): IngestResult {
  if (accepted > 0) ctx.counters.ingested.inc({ model, kind }, accepted);
  if (rejected.length > 0) ctx.counters.rejected.inc({ model, kind }, rejected.length);
  rejected.sort((a, b) => a.index - b.index);
  pendingIndexes.sort((a, b) => a - b);
  bucketedIndexes.sort((a, b) => a - b);
  return { accepted, rejected, pending: pendingIndexes.length, pendingIndexes, bucketed: bucketedIndexes.length, bucketedIndexes };
}
