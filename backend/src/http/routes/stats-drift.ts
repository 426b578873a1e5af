import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { DRIFT_METHODS, driftFromSamples } from '../../stats/drift/index.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const values = z.record(z.string(), z.array(z.unknown()));

const driftBody = z.object({
  reference: values.meta({ description: 'Per feature: reference values (numbers, or strings/booleans for categorical)' }),
  current: values.meta({ description: 'Per feature: current values ([] for an empty window)' }),
  methods: z.array(z.enum(DRIFT_METHODS)).min(1).optional(),
  featureTypes: z.record(z.string(), z.enum(['numeric', 'categorical'])).optional(),
  thresholds: z.record(z.string(), z.number()).optional(),
  correction: z.enum(['none', 'bonferroni', 'holm', 'benjamini_hochberg']).optional(),
  datasetDriftShare: z.number().optional(),
  featureVerdict: z.enum(['any', 'all']).optional(),
  bins: z.number().int().min(1).max(1000).optional(),
  maxCategories: z.number().int().min(1).max(10_000).optional(),
});

const methodResult = z.object({
  method: z.enum(DRIFT_METHODS),
  score: z.number(),
  pValue: z.number().optional(),
  adjustedPValue: z.number().optional(),
  distance: z.number().optional(),
  threshold: z.number(),
  drifted: z.boolean(),
  insufficientData: z.boolean().optional(),
});

const driftReport = z.object({
  features: z.array(
    z.object({
      feature: z.string(),
      type: z.enum(['numeric', 'categorical']),
      results: z.array(methodResult),
      drifted: z.boolean(),
      n: z.object({ reference: z.number(), current: z.number() }),
    }),
  ),
  driftShare: z.number(),
  datasetDrifted: z.boolean(),
});

/** Stateless drift on raw values (exact KS and Wasserstein on the samples). */
export function statsDriftRoutes(_ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/stats/drift',
      summary: 'Drift between reference and current raw values per feature (stateless)',
      tags: ['statistics'],
      permission: 'read',
      body: driftBody,
      responses: { 200: { description: 'Per-feature results, drift share and dataset verdict', schema: driftReport } },
      handler: async ({ body }) => {
        const input = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof driftFromSamples>[0];
        return ok(driftFromSamples(input));
      },
    }),
  ];
}
