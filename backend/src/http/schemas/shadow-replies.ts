/** Reply schema of the shadow routes (http/routes/shadow.ts), checked against the domain type. */
import { z } from 'zod';
import type { ShadowStatus } from '../../serving/shadow-service.ts';
import { describing } from './describing.ts';

const epochMs = z.number().meta({ description: 'epoch ms' });

const side = z
  .object({
    version: z.string(),
    requests: z.number().meta({ description: 'Predictions of this side in the range (the shadow: scored, never served)' }),
    errors: z.number(),
    errorRate: z.number().nullable().meta({ description: 'errors / requests; null without requests' }),
    latencyP50: z.number().nullable().meta({ description: 'ms' }),
    latencyP99: z.number().nullable().meta({ description: 'ms' }),
  })
  .meta({ id: 'ShadowSide' });

const comparison = z
  .object({
    from: epochMs,
    to: epochMs,
    pairs: z.number().meta({ description: 'Champion predictions the shadow scored too, both scores finite' }),
    meanAbsDiff: z.number().nullable().meta({ description: 'Mean |shadow − champion| score; null without pairs' }),
    rmsDiff: z.number().nullable().meta({ description: 'Root mean squared score difference; null without pairs' }),
    decisionAgreement: z.number().nullable().meta({ description: 'Share of pairs whose decisions at the decision threshold (settings.quality.threshold) agree; null without pairs' }),
    scoreDrift: z
      .object({
        n: z.object({ reference: z.number(), current: z.number() }),
        psi: z.number(),
        ks: z.number(),
        ksPValue: z.number(),
        jensenShannon: z.number(),
        drifted: z.boolean(),
      })
      .nullable()
      .meta({ description: "The shadow's score histogram against the champion's (the reference); null when a side has no scores" }),
    champion: side,
    shadow: side,
    latencyRatio: z.number().nullable().meta({ description: 'Shadow p99 / champion p99 latency' }),
  })
  .meta({ id: 'ShadowComparison' });

const shadow = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    champion: z.string().meta({ description: 'The champion it is compared with (the champion when it started)' }),
    startedAt: epochMs,
    startedBy: z.string(),
    stoppedAt: epochMs.nullable(),
    stopReason: z.string().nullable(),
    release: z.record(z.string(), z.unknown()).nullable().meta({ description: "The retrain flow's plan (settings.retrain.release: shadow-then-canary); null when a person started it" }),
    outcome: z.record(z.string(), z.unknown()).nullable().meta({ description: 'What the release gates decided' }),
    status: z.enum(['running', 'stopped']),
  })
  .meta({ id: 'Shadow' });

export const shadowStatusReply = describing<ShadowStatus>()(
  z
    .object({
      model: z.string(),
      shadow: shadow.nullable().meta({ description: 'The running shadow, else the newest stopped one; null when the model never had one' }),
      comparison: comparison.nullable(),
    })
    .meta({ id: 'ShadowStatus' }),
);
