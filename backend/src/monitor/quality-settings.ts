/**
 * The decision threshold of a version (docs/concepts/online-quality.md): model settings
 * `quality.threshold` (all versions) and `quality.versions.<version>.threshold` (one version),
 * each a number in [0, 1]; default 0.5. Checked where used (compose/model-settings.ts names
 * the areas that check theirs up front): a bad value is a 400 naming the setting.
 */
import { invalid } from '../core/errors.ts';
import { DEFAULT_DECISION_THRESHOLD } from './kpi.ts';

/** version → its threshold; versions without one (and merged series) get the model's. */
export type ThresholdOf = (version: string) => number;

function checked(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw invalid(`${field}: expected a number in [0, 1], got ${JSON.stringify(v)}`);
  return v;
}

export function thresholdsOf(settings: Record<string, unknown>): ThresholdOf {
  const quality = settings.quality;
  if (quality === undefined) return () => DEFAULT_DECISION_THRESHOLD;
  if (typeof quality !== 'object' || quality === null) throw invalid('settings.quality: expected an object');
  const q = quality as { threshold?: unknown; versions?: unknown };
  const model = checked(q.threshold, 'settings.quality.threshold') ?? DEFAULT_DECISION_THRESHOLD;
  const perVersion = new Map<string, number>();
  if (q.versions !== undefined) {
    if (typeof q.versions !== 'object' || q.versions === null || Array.isArray(q.versions)) throw invalid('settings.quality.versions: expected an object of version → {threshold}');
    for (const [version, s] of Object.entries(q.versions)) {
      const t = checked((s as { threshold?: unknown } | null)?.threshold, `settings.quality.versions.${version}.threshold`);
      if (t !== undefined) perVersion.set(version, t);
    }
  }
  return (version) => perVersion.get(version) ?? model;
}
