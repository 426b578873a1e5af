/**
 * Validation of reference profiles that come from outside (a registration's `{"profile": …}`,
 * a trainer's output): the layout rules of profile-types.ts must hold, or rollup histograms
 * would be counted over bins the drift code cannot read. Messages name the field.
 */
import { z } from 'zod';
import type { ReferenceProfile } from './profile-types.ts';

const count = z.number().finite().min(0, 'must be a count ≥ 0');
const finite = z.number().finite();
const MAX_SAMPLE = 100_000;

const numericFeature = z
  .object({
    name: z.string().min(1),
    type: z.literal('numeric'),
    edges: z.array(finite).min(1, 'needs at least one edge').max(10_000),
    counts: z.array(count),
    total: count,
    mean: finite,
    std: finite.min(0),
    min: finite,
    max: finite,
    sample: z.array(finite).max(MAX_SAMPLE).default([]),
  })
  .superRefine((f, ctx) => {
    for (let i = 1; i < f.edges.length; i++) {
      if ((f.edges[i] as number) < (f.edges[i - 1] as number)) {
        ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'edges must be in non-decreasing order' });
        break;
      }
    }
    if (f.counts.length !== f.edges.length + 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['counts'],
        message: `must have edges.length + 2 = ${f.edges.length + 2} slots [below, bins..., above, missing], got ${f.counts.length}`,
      });
    }
  });

const categoricalFeature = z
  .object({
    name: z.string().min(1),
    type: z.literal('categorical'),
    categories: z.array(z.string()).max(10_000),
    counts: z.array(count),
    total: count,
    sample: z.array(z.string()).max(MAX_SAMPLE).default([]),
  })
  .superRefine((f, ctx) => {
    if (new Set(f.categories).size !== f.categories.length) {
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'categories must be unique' });
    }
    if (f.counts.length !== f.categories.length + 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['counts'],
        message: `must have categories.length + 2 = ${f.categories.length + 2} slots [categories..., unseen, missing], got ${f.counts.length}`,
      });
    }
  });

const profileFields = {
  format: z.literal(1),
  source: z.enum(['rows', 'traffic', 'trainer']).default('trainer'),
  rows: count,
  features: z.array(z.discriminatedUnion('type', [numericFeature, categoricalFeature])).min(1).max(1000),
  score: z.object({ edges: z.array(finite), counts: z.array(count) }).optional(),
};

export const referenceProfileSchema = z
  .object({
    ...profileFields,
    // Filled in by parseProfile, not as a zod default: a default is evaluated when the OpenAPI
    // document is built and would put that moment into it.
    createdAt: z.string().optional().meta({ description: 'RFC 3339; default: when the profile is saved' }),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.features.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
      seen.add(f.name);
    });
  })
  .meta({ id: 'ReferenceProfile', description: 'Reference profile of a model version (see docs/metrics.md and profile-types.ts)' });

/** A profile as stored and served (GET …/versions/{version}/profile): every default filled in. */
export const savedProfileSchema = z
  .object({ ...profileFields, createdAt: z.string() })
  .meta({ id: 'SavedReferenceProfile', description: 'A stored reference profile (see docs/metrics.md and profile-types.ts)' });

/** The profile as a ReferenceProfile (createdAt defaults to now), or the zod error. */
export function parseProfile(input: unknown): z.ZodSafeParseSuccess<ReferenceProfile> | z.ZodSafeParseError<unknown> {
  const parsed = referenceProfileSchema.safeParse(input);
  if (!parsed.success) return parsed;
  return { success: true, data: { ...parsed.data, createdAt: parsed.data.createdAt ?? new Date().toISOString() } };
}
