import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { DomainError } from '../../core/errors.ts';
import { DRIFT_METHODS, driftFromSamples } from '../../stats/drift/index.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const values = z.record(z.string(), z.array(z.unknown()));

/**
 * The work one request may ask for, so a request never holds the event loop for seconds
 * (issue 16: 300 features × 10k values took 150 s). At the cap, at most ~0.75 s on this machine
 * (10 features × 50,000 values a side, measured while other tests ran).
 */
export const MAX_DRIFT_FEATURES = 1000;
export const MAX_DRIFT_VALUES = 1_000_000;

function checkBudget(body: { reference: Record<string, unknown[]>; current: Record<string, unknown[]> }): void {
  const features = new Set([...Object.keys(body.reference), ...Object.keys(body.current)]).size;
  if (features > MAX_DRIFT_FEATURES) {
    throw new DomainError('payload_too_large', `reference, current: ${features} features, more than the ${MAX_DRIFT_FEATURES} one request may compare; split the features over several requests`);
  }
  let total = 0;
  for (const side of [body.reference, body.current]) for (const list of Object.values(side)) total += list.length;
  if (total > MAX_DRIFT_VALUES) {
    throw new DomainError(
      'payload_too_large',
      `reference, current: ${total} values in all, more than the ${MAX_DRIFT_VALUES} one request may compare; sample them down, split the features over several requests, or use GET /api/v1/models/{model}/drift on ingested traffic`,
    );
  }
}

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
      largeBody: true,
      responses: {
        200: { description: 'Per-feature results, drift share and dataset verdict', schema: driftReport },
        413: { description: `More than ${MAX_DRIFT_FEATURES} features or ${MAX_DRIFT_VALUES} values in all` },
      },
      handler: async ({ body }) => {
        checkBudget(body);
        const input = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as unknown as Parameters<typeof driftFromSamples>[0];
        return ok(driftFromSamples(input));
      },
    }),
  ];
}
