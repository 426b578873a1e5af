import { z } from 'zod';

export const featureNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, 'must start with a letter or _ and use letters, digits, _ . : -')
  // Records are plain objects from JSON.parse: a record without such a feature would read the
  // inherited member (a function) as its value, and ingest would reject it.
  .refine((name) => !(name in Object.prototype), { error: (issue) => `"${String(issue.input)}" is a name every JavaScript object carries (Object.prototype); choose another` });

export const modelNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lowercase letters, digits, _ or -, starting with a letter or digit')
  .meta({ description: 'Model name', example: 'ctr-recommender' });

export const featureSchema = z.object({
  name: featureNameSchema,
  type: z.enum(['numeric', 'categorical']),
});

export const createModelSchema = z
  .object({
    name: modelNameSchema,
    task: z.enum(['binary_classification']).default('binary_classification'),
    features: z.array(featureSchema).min(1, 'must declare at least one feature').max(1000),
    description: z.string().max(2000).optional(),
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((model, ctx) => {
    const seen = new Set<string>();
    model.features.forEach((feature, index) => {
      if (seen.has(feature.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['features', index, 'name'],
          message: `duplicate feature name "${feature.name}"; feature names must be unique`,
        });
      }
      seen.add(feature.name);
    });
  });

export type CreateModelInput = z.infer<typeof createModelSchema>;
export type Feature = z.infer<typeof featureSchema>;

export const modelSchema = z
  .object({
    name: z.string(),
    task: z.string(),
    features: z.array(featureSchema),
    description: z.string().nullable(),
    settings: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Model' });

export type Model = z.infer<typeof modelSchema>;
