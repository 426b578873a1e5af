/** Building a version's reference profile from its predictions in a time window, and saving it. */
import type { Actor } from '../auth/roles.ts';
import { invalid } from '../core/errors.ts';
import { buildProfile, type ProfileOptions } from '../stats/profile.ts';
import type { MonitorContext } from './monitor-context.ts';
import type { ProfileSummary } from './profile-store.ts';
import { saveProfile } from './save-profile.ts';
import { trafficSample } from './traffic-sample.ts';

export async function profileFromTraffic(
  ctx: MonitorContext,
  model: string,
  version: string,
  q: { from: number; to: number; options?: ProfileOptions },
  actor: Actor,
): Promise<ProfileSummary> {
  const info = await ctx.modelInfo.get(model);
  if (!(q.from < q.to)) throw invalid('from must be before to');
  const { rows, count } = await trafficSample(ctx, model, { from: q.from, to: q.to, version });
  if (count === 0) {
    throw invalid(
      `no predictions of version "${version}" between ${new Date(q.from).toISOString()} and ${new Date(q.to).toISOString()}; pick a window with traffic`,
    );
  }
  const profile = buildProfile(rows, info.features, { ...q.options, source: 'traffic' });
  return saveProfile(ctx, model, version, profile, actor, { from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), predictions: count });
}
