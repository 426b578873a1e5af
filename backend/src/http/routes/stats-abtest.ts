import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { abtest, minimumDetectableEffect, srm } from '../../stats/abtest/index.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

/**
 * Stateless A/B statistics (docs/api.md, "Statistics"): the reply is exactly what the pure
 * functions return (stats/abtest/), plus the MDE for the abtest. Shapes are checked here so
 * that every bad field gets a 400 naming it; the pure functions check the semantics again.
 */

/** Far more arms than any experiment has; bounds the work of one request. */
const MAX_ARMS = 1000;

const count = z.number().int('must be a whole number').min(0, 'must be ≥ 0');
/** zod 4 numbers are finite (JSON has no Infinity/NaN anyway). */
const finite = z.number();

const armSchema = z
  .object({
    n: count.meta({ description: 'Units in the arm' }),
    sum: finite.meta({ description: 'Successes (proportion) or Σx (mean)' }),
    sumSquares: finite.min(0, 'must be ≥ 0').optional().meta({ description: 'Σx², required for metric "mean"' }),
  })
  .meta({ id: 'AbTestArm' });

export const abtestBodySchema = z
  .object({
    metric: z.enum(['proportion', 'mean']),
    control: armSchema,
    treatment: armSchema,
    alpha: z.number().gt(0, 'must be in (0, 1)').lt(1, 'must be in (0, 1)').optional(),
    sequential: z
      .union([z.boolean(), z.object({ tuning: z.number().positive('must be positive').optional() })])
      .optional()
      .meta({ description: 'Always-valid inference; tuning N* default 5000' }),
    difference: z.enum(['relative', 'absolute']).optional(),
    direction: z.enum(['higher', 'lower']).optional(),
    power: z.number().gt(0).lt(1).optional().meta({ description: 'Power for the MDE, default 0.8' }),
  })
  .superRefine((body, ctx) => {
    for (const side of ['control', 'treatment'] as const) {
      const arm = body[side];
      if (body.metric === 'mean' && arm.sumSquares === undefined) {
        ctx.addIssue({ code: 'custom', path: [side, 'sumSquares'], message: 'required for metric "mean"' });
      }
      if (body.metric === 'proportion' && (arm.sum < 0 || arm.sum > arm.n)) {
        ctx.addIssue({ code: 'custom', path: [side, 'sum'], message: `successes must be between 0 and n (${arm.n})` });
      }
    }
  })
  .meta({ id: 'AbTestRequest' });

export const srmBodySchema = z
  .object({
    counts: z.array(count).min(1, 'at least one arm').max(MAX_ARMS, `at most ${MAX_ARMS} arms`),
    weights: z.array(finite.min(0, 'must be ≥ 0')).min(1, 'at least one arm').max(MAX_ARMS, `at most ${MAX_ARMS} arms`),
    threshold: z.number().gt(0).lt(1).optional().meta({ description: 'Mismatch when p < threshold, default 0.001' }),
  })
  .superRefine((body, ctx) => {
    if (body.weights.length !== body.counts.length) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: `one weight per count: expected ${body.counts.length}, got ${body.weights.length}` });
    } else if (!(body.weights.reduce((a, b) => a + b, 0) > 0)) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: 'must sum to a positive number' });
    }
  })
  .meta({ id: 'SrmRequest' });

const abtestReplySchema = z
  .object({
    effect: z.number(),
    ci: z.tuple([z.number(), z.number()]),
    se: z.number(),
    pValue: z.number(),
    significant: z.boolean(),
    chanceToWin: z.number(),
    status: z.string(),
    credibleInterval: z.tuple([z.number(), z.number()]),
    expectedLoss: z.object({ treatment: z.number(), control: z.number() }),
    mde: z.number().nullable(),
  })
  .meta({ id: 'AbTestResult' });

const srmReplySchema = z
  .object({ pValue: z.number(), mismatch: z.boolean(), statistic: z.number(), df: z.number(), expected: z.array(z.number()) })
  .meta({ id: 'SrmResult' });

export function statsAbtestRoutes(_ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/stats/abtest',
      summary: 'Compare two arms: Welch t (means) or unpooled z (proportions), optional always-valid sequential inference, Bayesian chance to win',
      tags: ['statistics'],
      permission: 'read',
      body: abtestBodySchema,
      responses: { 200: { description: 'The comparison', schema: abtestReplySchema } },
      handler: async ({ body }) => {
        const { power, ...input } = body;
        const result = abtest(input);
        return ok({ ...result, mde: minimumDetectableEffect(result, power === undefined ? {} : { power }).mde });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/stats/srm',
      summary: 'Sample-ratio mismatch: chi-square goodness of fit of unit counts per arm against the weights',
      tags: ['statistics'],
      permission: 'read',
      body: srmBodySchema,
      responses: { 200: { description: 'The check', schema: srmReplySchema } },
      handler: async ({ body }) => ok(srm(body)),
    }),
  ];
}
