import { z } from 'zod';
import { timeInput } from '../core/schemas.ts';
import { referenceProfileSchema } from '../core/profile-schema.ts';

export const versionNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, . _ or -, starting with a letter or digit')
  .meta({ example: 'v3' });

export const validationStatuses = ['none', 'pending', 'passed', 'failed'] as const;
export type ValidationStatus = (typeof validationStatuses)[number];

export const aliasNames = ['champion', 'challenger'] as const;
export type AliasName = (typeof aliasNames)[number];

const lineageSchema = z
  .object({
    parentVersion: versionNameSchema.optional(),
    jobId: z.string().min(1).max(200).optional(),
    dataWindow: z.object({ from: timeInput, to: timeInput }).optional(),
  })
  .meta({ description: 'Where the version came from' });

export const referenceSchema = z.union([
  z.object({ rows: z.array(z.record(z.string(), z.unknown())).min(1, 'must hold at least one row').max(1_000_000) }),
  z.object({ profile: referenceProfileSchema }),
]);

/** Everything about a version except the artifact (the multipart `meta` field). */
export const registerVersionMetaSchema = z.object({
  version: versionNameSchema.optional(),
  metrics: z.record(z.string(), z.unknown()).optional(),
  reference: referenceSchema.optional(),
  lineage: lineageSchema.optional(),
  validation: z.enum(validationStatuses).optional(),
  description: z.string().max(2000).optional(),
  /** Make the new version the challenger right away. */
  alias: z.enum(['challenger']).optional(),
});

export const registerVersionSchema = registerVersionMetaSchema
  .extend({
    artifact: z
      .string()
      .min(1, 'must hold the ONNX file, base64-encoded')
      .optional()
      .meta({ description: 'The ONNX file, base64 (JSON bodies); multipart bodies send it as the file field `artifact`' }),
  })
  .meta({ id: 'RegisterVersion' });

export type RegisterVersionMeta = z.output<typeof registerVersionMetaSchema>;

const featureOut = z.object({ name: z.string(), type: z.string() });

export const modelVersionSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    description: z.string().nullable(),
    artifact: z.object({ sha256: z.string(), sizeBytes: z.number() }),
    inputSchema: z.object({
      kind: z.enum(['tensor', 'per_feature']),
      input: z.string().optional(),
      features: z.array(featureOut),
      output: z.string(),
      outputMode: z.enum(['column', 'vector', 'two_class']),
    }),
    metrics: z.record(z.string(), z.unknown()),
    lineage: z.object({
      parentVersion: z.string().optional(),
      jobId: z.string().optional(),
      dataWindow: z.object({ from: z.number(), to: z.number() }).optional(),
    }),
    validation: z.object({ status: z.enum(validationStatuses), details: z.record(z.string(), z.unknown()), updatedAt: z.string().optional() }),
    aliases: z.array(z.string()),
    hasReferenceProfile: z.boolean(),
    serving: z.object({
      status: z.enum(['loaded', 'loading', 'not_loaded', 'failed']),
      error: z.string().optional(),
      providers: z.array(z.string()).optional(),
    }),
  })
  .meta({ id: 'ModelVersion' });

export type ModelVersion = z.output<typeof modelVersionSchema>;

export const aliasHistoryEntrySchema = z
  .object({
    alias: z.string(),
    version: z.string().nullable(),
    previousVersion: z.string().nullable(),
    type: z.string(),
    actionId: z.string().nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'AliasHistoryEntry' });

export type AliasHistoryEntry = z.output<typeof aliasHistoryEntrySchema>;

export const aliasesSchema = z
  .object({
    champion: z.string().nullable(),
    challenger: z.string().nullable(),
    history: z.array(aliasHistoryEntrySchema),
  })
  .meta({ id: 'Aliases' });
