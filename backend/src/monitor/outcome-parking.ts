/**
 * Parked outcomes (issue 13): an outcome whose prediction is not stored yet — the service's
 * own prediction log has not flushed, the prediction went to another replica, or the
 * producer sends outcomes first — is parked, durable before the ingest reply, instead of
 * rejected. The prediction's ingest joins it (in this process or another on the same
 * database), and it then counts in the prediction's version, arm and minute exactly as an
 * outcome joined at once. Parked outcomes not joined within the window
 * (MODELWATCH_OUTCOME_PARKING_WINDOW) expire: deleted and counted per model. A sweep at the
 * adoption interval joins those whose prediction landed while the joining process died
 * between its two transactions (parking-store.ts has the SQL and the locking).
 */
import { applyOutcomeDeltas, profilesFor } from './apply-records.ts';
import type { OutcomeRecord } from './ingest-records.ts';
import type { OutcomeDelta } from './ingest-store.ts';
import type { MonitorContext } from './monitor-context.ts';
import type { JoinedBatch, ParkingCounts } from './parking-store.ts';

/** Adds outcome deltas just written as `batch` to this process's rollups. */
export async function applyJoined(ctx: MonitorContext, model: string, batch: number, deltas: readonly (OutcomeDelta | null)[]): Promise<number> {
  const joined = deltas.filter((d) => d !== null);
  const profiles = await profilesFor(ctx.profiles, model, joined.map((d) => d.version));
  applyOutcomeDeltas(ctx.unflushed.buffer, model, joined, profiles);
  ctx.unflushed.markApplied(batch);
  return joined.length;
}

/**
 * Parks the outcomes the writer found no prediction for. Those whose prediction was stored
 * meanwhile are written now; returns the parked ones, and how many were joined now.
 */
export async function parkOutcomes(ctx: MonitorContext, model: string, missing: readonly OutcomeRecord[], now: number): Promise<{ parked: OutcomeRecord[]; joined: number; lost: OutcomeRecord[] }> {
  const { parked, found } = await ctx.parking.park(model, missing, now);
  if (found.length === 0) return { parked, joined: 0, lost: [] };
  const { batch, deltas } = await ctx.writer.writeOutcomes({ model, instance: ctx.instance, records: found, receivedAt: now });
  const joined = await applyJoined(ctx, model, batch, deltas);
  // Predictions are never deleted, so none is missing here; were one, the caller rejects it.
  return { parked, joined, lost: found.filter((_, i) => deltas[i] === null) };
}

/** Joins the parked outcomes of predictions just stored (ids); returns how many. */
export async function joinParked(ctx: MonitorContext, model: string, ids: readonly string[], now: number): Promise<number> {
  if (ids.length === 0) return 0;
  try {
    return await applyBatches(ctx, await ctx.parking.join(ctx.instance, { model, ids }, now, now - ctx.parkingWindowMs));
  } catch (error) {
    // The predictions are committed and acknowledged regardless; the join rolled back, so the
    // outcomes are still parked beside them and the next sweep joins them (maintainParking).
    ctx.logger.warn({ err: error, model }, 'monitor: joining parked outcomes failed; the sweep will join them');
    return 0;
  }
}

/** The periodic pass: joins what a crash left parked beside its prediction, then expires what is past the window. */
export async function maintainParking(ctx: MonitorContext, now: number): Promise<number> {
  const joined = await applyBatches(ctx, await ctx.parking.join(ctx.instance, null, now, now - ctx.parkingWindowMs));
  const expired = await ctx.parking.expire(now - ctx.parkingWindowMs, now);
  for (const [model, n] of expired) ctx.logger.warn({ model, expired: n }, 'monitor: parked outcomes expired; their predictions never arrived');
  return joined;
}

/** One model's parked and expired outcomes now. */
export async function parkingStatus(ctx: MonitorContext, model: string): Promise<ParkingCounts> {
  await ctx.modelInfo.get(model);
  const counts = await ctx.parking.counts(ctx.now() - ctx.parkingWindowMs, model);
  return counts.get(model) ?? { parked: 0, expired: 0, oldestParkedAt: null };
}

/** Every model's parked and expired outcomes now (the exported metrics). */
export function parkingCounts(ctx: MonitorContext): Promise<Map<string, ParkingCounts>> {
  return ctx.parking.counts(ctx.now() - ctx.parkingWindowMs);
}

async function applyBatches(ctx: MonitorContext, batches: readonly JoinedBatch[]): Promise<number> {
  let total = 0;
  for (const b of batches) {
    const n = await applyJoined(ctx, b.model, b.batch, b.deltas);
    if (n > 0) ctx.counters.ingested.inc({ model: b.model, kind: 'outcome' }, n);
    total += n;
  }
  return total;
}
