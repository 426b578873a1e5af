/** Saving a version's reference profile (given, or built from reference rows), with an audit record. */
import type { Actor } from '../auth/roles.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { buildProfile, type ProfileOptions } from '../stats/profile.ts';
import type { MonitorContext } from './monitor-context.ts';
import type { ProfileSummary } from './profile-store.ts';

/** Saves a profile (validated by the store) with an audit record. */
export async function saveProfile(
  ctx: MonitorContext,
  model: string,
  version: string,
  profile: ReferenceProfile,
  actor: Actor,
  details: Record<string, unknown>,
): Promise<ProfileSummary> {
  await ctx.modelInfo.get(model);
  await ctx.profiles.save(model, version, profile);
  await ctx.audit.record({
    type: 'profile.saved',
    model,
    actor,
    toVersion: version,
    details: { source: profile.source, rows: profile.rows, features: profile.features.length, ...details },
  });
  const summary = (await ctx.profiles.list(model)).find((p) => p.version === version);
  if (!summary) throw new Error('profile vanished after save');
  return summary;
}

/** Builds a profile from reference rows and saves it. */
export async function profileFromRows(
  ctx: MonitorContext,
  model: string,
  version: string,
  rows: Record<string, unknown>[],
  options: ProfileOptions,
  actor: Actor,
): Promise<ProfileSummary> {
  const info = await ctx.modelInfo.get(model);
  return saveProfile(ctx, model, version, buildProfile(rows, info.features, { ...options, source: 'rows' }), actor, {});
}
