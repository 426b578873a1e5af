/** Health per the model's rule (settings.health, else the default) on champion traffic. */
import { DomainError } from '../core/errors.ts';
import { evaluateHealth, resolveHealthConfig, type HealthConfigInput, type HealthResult } from './health.ts';
import type { MonitorContext } from './monitor-context.ts';
import { planResolution } from './queries.ts';
import { pushAll } from '../core/arrays.ts';
import { collectWithClosed } from './read-closed.ts';
import { withoutHistograms } from './read-rollups.ts';
import { MINUTE_MS, type Rollup } from './rollup.ts';
import { rowToRollup } from './rollup-store.ts';

export interface ModelHealth extends HealthResult {
  /** Traffic judged: the champion version's, or all versions' when there is no champion. */
  scope: { version: string | null };
}

export async function queryHealth(ctx: MonitorContext, model: string): Promise<ModelHealth> {
  const info = await ctx.modelInfo.get(model);
  const input = (info.settings.health ?? {}) as HealthConfigInput;
  let config;
  try {
    config = resolveHealthConfig(input);
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError('failed_precondition', `model "${model}" settings.${error.message}`);
    throw error;
  }
  const now = ctx.now();
  const champion = await championOrNone(ctx, model);
  const spanEnd = Math.floor((now - config.lagMs) / config.windowMs) * config.windowMs;
  const spanStart = spanEnd - config.sustainMs;
  const needsBaseline = config.ctr.enabled && config.ctr.baseline === null;
  const from = Math.floor((needsBaseline ? spanStart - config.ctr.baselineWindowMs : spanStart) / MINUTE_MS) * MINUTE_MS;
  const to = Math.ceil(spanEnd / MINUTE_MS) * MINUTE_MS;
  const plan = planResolution(from, to, spanStart);
  const versions = champion ? [champion] : undefined;
  const read = await collectWithClosed(ctx, ctx.closedBuckets.health, model, `health\u0000${champion ?? ''}`, plan, [from, to], { versions, latency: true }, (rows) =>
    rows.map((row) => rowToRollup(model, row)),
  );
  // In the order the uncached read gives (hour rows, minute rows, each by bucket, then unflushed): float sums add alike.
  const rollups: Rollup[] = [];
  for (const part of [read.hours, read.minutes]) {
    for (const { value } of part.closed) pushAll(rollups, value);
    for (const row of part.open) rollups.push(rowToRollup(model, row));
  }
  for (const r of read.memory) rollups.push(withoutHistograms(r));
  return { ...evaluateHealth(rollups, now, config), scope: { version: champion ?? null } };
}

/** The champion, or none when the lookup fails (health is then judged on all traffic). */
async function championOrNone(ctx: MonitorContext, model: string): Promise<string | undefined> {
  try {
    return await ctx.champions.champion(model);
  } catch {
    return undefined;
  }
}
