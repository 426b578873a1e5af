/** Reply schema of GET /api/v1/experiments/{id}/results, checked against experiments/results.ts. */
import { z } from 'zod';
import { differenceSchema, directionSchema } from '../../experiments/experiment-schemas.ts';
import type { ExperimentResults } from '../../experiments/results.ts';
import { describing } from './describing.ts';

const interval = z.tuple([z.number(), z.number()]);
const recommendation = z.enum(['promote', 'rollback', 'keep_running', 'inconclusive']);
const analysisUnit = z
  .enum(['unit', 'event'])
  .meta({ description: 'What the variance is computed over: randomization units (predictions carry unitId) or events (legacy producers: invalid when units see many events)' });

const power = z
  .object({
    mde: z.number().nullable(),
    targetEffect: z.number().nullable(),
    requiredSampleSize: z.number().nullable(),
    additionalSampleSize: z.number().nullable(),
    estimatedMs: z.number().nullable().meta({ description: "Time to decision at the window's traffic rate; null when unknown" }),
    estimatedAt: z.string().nullable(),
    reason: z.string().optional(),
  })
  .meta({ id: 'PowerSummary' });

const comparison = z
  .object({
    effect: z.number(),
    difference: differenceSchema,
    ci: interval.meta({ description: 'Confidence interval of the effect (a confidence sequence when sequential)' }),
    se: z.number(),
    pValue: z.number(),
    adjustedPValue: z.number().meta({ description: 'Holm over every (metric, treatment arm) comparison of the results' }),
    significant: z.boolean(),
    significantAdjusted: z.boolean(),
    chanceToWin: z.number(),
    credibleInterval: interval,
    expectedLoss: z.object({ treatment: z.number(), control: z.number() }),
    absolute: z.object({ effect: z.number(), se: z.number() }),
    relative: z.object({ effect: z.number(), se: z.number() }).nullable(),
    test: z.enum(['welch_t', 'z_unpooled']),
    df: z.number().nullable(),
    statistic: z.number(),
    status: z.enum(['ok', 'insufficient_data', 'zero_control_mean', 'zero_variance']),
    reason: z.string().optional(),
    power,
  })
  .meta({ id: 'Comparison', description: 'A treatment arm against the control' });

const armMetric = z
  .object({
    arm: z.string(),
    version: z.string(),
    n: z.number().meta({ description: "Events: the metric's denominator (impressions for ctr, requests for error_rate…)" }),
    events: z.number().meta({ description: 'The same as n, named for what it counts' }),
    units: z.number().nullable().meta({ description: 'Distinct randomization units in the arm; null when analysed by event' }),
    sum: z.number().meta({ description: 'Successes for proportions, Σx for means' }),
    sumSquares: z.number().optional(),
    mean: z.number().meta({ description: 'Rate (proportions) or mean' }),
    capped: z.number().optional().meta({ description: 'Successes above n that were capped (pre-aggregated outcomes)' }),
    comparison: comparison.nullable().meta({ description: 'vs the control; null for the control itself' }),
  })
  .meta({ id: 'ArmMetric' });

const metricResult = z
  .object({
    metric: z.string(),
    role: z.enum(['primary', 'guardrail', 'secondary']),
    kind: z.enum(['proportion', 'mean']),
    direction: directionSchema,
    difference: differenceSchema,
    description: z.string(),
    unit: z.string().meta({ description: 'What one event of the metric is (its denominator)' }),
    analysisUnit,
    arms: z.array(armMetric),
  })
  .meta({ id: 'MetricResult' });

const armGuardrail = z
  .object({
    name: z.string(),
    status: z.enum(['non_inferior', 'inconclusive', 'harmful']),
    failed: z.boolean().meta({ description: 'True unless non-inferiority is shown' }),
    badSideBound: z.number(),
    limit: z.number().meta({ description: 'The bound the bad side is compared with: −margin (higher is better) or +margin' }),
    reason: z.string(),
    metric: z.string(),
    arm: z.string(),
    margin: z.number(),
    difference: differenceSchema,
    direction: directionSchema,
  })
  .meta({ id: 'ArmGuardrail' });

export const experimentResultsReply = describing<ExperimentResults>()(
  z
    .object({
      experimentId: z.string(),
      model: z.string(),
      status: z.enum(['running', 'stopped']),
      computedAt: z.string(),
      window: z.object({ from: z.string(), to: z.string(), fromMs: z.number(), toMs: z.number() }),
      sequential: z.boolean(),
      alpha: z.number(),
      correction: z.literal('holm'),
      analysisUnit,
      arms: z.array(z.object({ name: z.string(), version: z.string(), weight: z.number(), requests: z.number(), units: z.number().nullable() })),
      srm: z.object({
        counted: z.enum(['units', 'impressions', 'requests']).meta({ description: 'What SRM counts per arm: distinct units when analysing by unit' }),
        counts: z.array(z.number()),
        expected: z.array(z.number()),
        pValue: z.number(),
        mismatch: z.boolean(),
        statistic: z.number(),
        df: z.number(),
        threshold: z.number(),
        reason: z.string().optional(),
      }),
      metrics: z.array(metricResult),
      guardrails: z.array(armGuardrail),
      decision: z.object({
        recommendation,
        reasons: z.array(z.string()),
        winner: z.object({ arm: z.string(), version: z.string() }).nullable().meta({ description: 'The arm to promote when the recommendation is promote' }),
        minSampleSize: z.number(),
        maxSampleSize: z.number().nullable(),
        arms: z.array(z.object({ arm: z.string(), version: z.string(), recommendation, reasons: z.array(z.string()), sampleSize: z.number() })),
      }),
      notes: z.array(z.string()),
    })
    .meta({
      id: 'ExperimentResults',
      description: 'Per metric and arm: counts, rates, effect vs the control, CI, p-values, power; SRM; guardrails; recommendation',
    }),
);
