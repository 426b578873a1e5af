/**
 * Adds stored records to this process's rollup buffer: at ingest, after their commit, and
 * when replaying a dead process's batches.
 */
import type { ReferenceProfile } from '../core/profile-types.ts';
import type { PredictionRecord } from './ingest-records.ts';
import type { OutcomeDelta } from './ingest-store.ts';
import type { ProfileStore } from './profile-store.ts';
import { addLabel, addPrediction } from './rollup.ts';
import type { RollupBuffer } from './rollup-buffer.ts';

/** The profile each version's features are binned over (its own, else the champion's). */
export async function profilesFor(profiles: ProfileStore, model: string, versions: Iterable<string>): Promise<Map<string, ReferenceProfile | undefined>> {
  const out = new Map<string, ReferenceProfile | undefined>();
  for (const v of versions) {
    if (out.has(v)) continue;
    out.set(v, (await profiles.effective(model, v))?.profile);
  }
  return out;
}

/** Adds predictions (but those at positions in `skip`) to the buffer; returns the counts per version. */
export function applyPredictions(
  buffer: RollupBuffer,
  model: string,
  records: readonly PredictionRecord[],
  profiles: Map<string, ReferenceProfile | undefined>,
  skip?: ReadonlySet<number>,
): Map<string, number> {
  const perVersion = new Map<string, number>();
  let lastVersion = '';
  let lastProfile: ReferenceProfile | undefined;
  let n = 0;
  for (let i = 0; i < records.length; i++) {
    if (skip?.has(i)) continue;
    const rec = records[i]!;
    if (rec.version !== lastVersion) {
      if (n > 0) perVersion.set(lastVersion, (perVersion.get(lastVersion) ?? 0) + n);
      n = 0;
      lastVersion = rec.version;
      lastProfile = profiles.get(rec.version);
    }
    n++;
    const r = buffer.rollupFor(model, rec.version, rec.arm, rec.ts, lastProfile);
    addPrediction(r, rec, lastProfile);
    if (rec.unitId !== null) buffer.units.addPrediction(model, rec);
  }
  if (n > 0) perVersion.set(lastVersion, (perVersion.get(lastVersion) ?? 0) + n);
  return perVersion;
}

/** Adds outcome deltas (null: rejected, skipped) to the rollups of their predictions' minutes. */
export function applyOutcomeDeltas(
  buffer: RollupBuffer,
  model: string,
  deltas: readonly (OutcomeDelta | null)[],
  profiles: Map<string, ReferenceProfile | undefined>,
): void {
  for (const d of deltas) {
    if (d === null) continue;
    if (d.impressions === 0 && d.clicks === 0 && d.conversions === 0 && d.labelled === 0 && d.positives === 0) continue;
    const r = buffer.rollupFor(model, d.version, d.arm, d.predictionTs, profiles.get(d.version));
    r.impressions += d.impressions;
    r.clicks += d.clicks;
    r.conversions += d.conversions;
    r.labelled += d.labelled;
    r.positives += d.positives;
    if (d.labelled !== 0 || d.positives !== 0) addLabel(r, d.score, d.positives, d.labelled - d.positives, d.labelDelayMs);
    if (d.unitId) buffer.units.addOutcome(model, d);
  }
}
