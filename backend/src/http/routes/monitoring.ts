import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { notFound } from '../../core/errors.ts';
import { recordsOfBody } from '../../monitor/ingest-records.ts';
import { KPI_NAMES } from '../../monitor/kpi.ts';
import { parseProfile } from '../../core/profile-schema.ts';
import { DRIFT_METHODS } from '../../stats/drift/index.ts';
import { DATA_QUALITY_DEFAULTS } from '../../monitor/data-quality.ts';
import { durationInput, modelParams, timeInput } from '../../core/schemas.ts';
import { validationError } from '../../core/zod-errors.ts';
import { created, defineRoute, ok, type RouteDefinition } from '../route.ts';
import { calibrationReply, dataQualityReply, driftReply, kpiSeriesReply, scoreDriftReply, modelHealthReply, profileSummaryReply, versionProfileReply } from '../schemas/monitoring-replies.ts';

const versionParams = modelParams.extend({ version: z.string().min(1).max(128) });

/** `a,b` or repeated parameters → list. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean),
  );
const listOf = <T extends readonly [string, ...string[]]>(values: T) => list.pipe(z.array(z.enum(values)));

const rangeQuery = {
  from: timeInput.optional().meta({ description: 'Start (RFC 3339 or epoch ms); default: to − 6h' }),
  to: timeInput.optional().meta({ description: 'End (RFC 3339 or epoch ms); default: now' }),
  step: durationInput.optional(),
};

const kpiQuery = z.object({
  ...rangeQuery,
  version: list.optional().meta({ description: 'Versions (comma-separated or repeated); default: all' }),
  arm: list.optional().meta({ description: 'Arms; default: all' }),
  kpi: listOf(KPI_NAMES).optional().meta({ description: `KPIs: ${KPI_NAMES.join(', ')}; default: all` }),
  by: z.enum(['version_arm', 'version', 'arm', 'none']).optional().meta({ description: 'Series per version and arm (default), per version, per arm, or one' }),
  threshold: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .meta({ description: "Decision threshold of accuracy, precision, recall, f1 (score ≥ threshold is positive), moved to the nearest multiple of 0.02; default: each version's (model settings quality.versions.<v>.threshold, else quality.threshold, else 0.5)" }),
});

const calibrationQuery = z.object({
  from: rangeQuery.from,
  to: rangeQuery.to,
  version: list.optional().meta({ description: 'Versions; default: all' }),
  arm: list.optional().meta({ description: 'Arms; default: all' }),
});

const scoreDriftQuery = calibrationQuery.extend({
  referenceFrom: timeInput.optional().meta({ description: 'Start of the reference range; default: referenceTo − 24h' }),
  referenceTo: timeInput.optional().meta({ description: 'End of the reference range; default: from' }),
});

const driftQuery = z.object({
  ...rangeQuery,
  version: list.optional().meta({ description: 'Versions; default: all with traffic in the range' }),
  arm: list.optional(),
  feature: list.optional().meta({ description: 'Features; default: all of the reference profile' }),
  method: listOf(DRIFT_METHODS).optional().meta({ description: `Methods: ${DRIFT_METHODS.join(', ')}; default: per feature type and sample size` }),
});

const rateThreshold = (what: string, d: number) => z.coerce.number().min(0).max(1).optional().meta({ description: `${what}; default ${d}` });

const dataQualityQuery = z.object({
  from: rangeQuery.from,
  to: rangeQuery.to,
  step: durationInput.optional().meta({ description: 'Also answer per window of this width (windows start at multiples of it); default: one result over the range, no windows' }),
  version: list.optional().meta({ description: 'Versions; default: all with traffic in the range' }),
  arm: list.optional(),
  k: z.coerce.number().gt(0).max(1000).optional().meta({ description: `Mean shift (and mean-vector distance) flagged above k reference σ; default ${DATA_QUALITY_DEFAULTS.k}` }),
  minVolume: z.coerce.number().int().min(1).max(1e9).optional().meta({ description: `Records a feature needs before it is flagged; default ${DATA_QUALITY_DEFAULTS.minVolume}` }),
  missingRate: rateThreshold("Missing rate flagged above the reference's plus this", DATA_QUALITY_DEFAULTS.missingRate),
  outOfRangeRate: rateThreshold('Out-of-range rate flagged above this', DATA_QUALITY_DEFAULTS.outOfRangeRate),
  unseenRate: rateThreshold("Unseen-category rate flagged above the reference's plus this", DATA_QUALITY_DEFAULTS.unseenRate),
  typeErrorRate: rateThreshold('Type-error rate flagged above this', DATA_QUALITY_DEFAULTS.typeErrorRate),
  noTrafficAfter: durationInput.optional().meta({ description: 'No prediction for longer than this → noTraffic; default 10m' }),
});

const ingestBody = z
  .union([z.object({ records: z.array(z.unknown()) }), z.array(z.unknown()), z.string()])
  .meta({
    description:
      'JSON {"records": [...]} or NDJSON (one record per line, Content-Type: application/x-ndjson); at most 10,000 records. ' +
      'Each record is validated on its own; see docs/metrics.md and monitor/ingest-records.ts for the fields.',
  });

const ingestResult = z.object({
  accepted: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
  pending: z.number().int().meta({ description: 'Outcomes parked until their prediction arrives (always 0 for predictions); see docs/monitoring.md' }),
  pendingIndexes: z.array(z.number().int()).meta({ description: 'Positions of the pending records in the batch' }),
  bucketed: z
    .number()
    .int()
    .meta({ description: 'Predictions accepted under the model\'s "__other__" version/arm: not registered, and the model\'s unregistered keys are at MODELWATCH_MAX_UNREGISTERED_KEYS (always 0 for outcomes); see docs/monitoring.md' }),
  bucketedIndexes: z.array(z.number().int()).meta({ description: 'Positions of the bucketed records in the batch' }),
});

const parkingReply = z.object({
  parked: z.number().int().meta({ description: 'Outcomes waiting for their prediction, within the parking window' }),
  expired: z.number().int().meta({ description: 'Parked outcomes whose prediction never arrived within the window, for ever' }),
  oldestParkedAt: z.string().nullable().meta({ description: 'When the oldest waiting outcome arrived (RFC 3339); null when none waits' }),
});

const profileOptions = {
  bins: z.number().int().min(1).max(1000).optional(),
  maxCategories: z.number().int().min(1).max(10_000).optional(),
  sampleSize: z.number().int().min(1).max(100_000).optional(),
};

const profileBody = z.union([
  z.object({ from: timeInput, to: timeInput, ...profileOptions }).strict(),
  z.object({ rows: z.array(z.record(z.string(), z.unknown())).min(1).max(1_000_000), ...profileOptions }).strict(),
  z.object({ profile: z.unknown() }).strict(),
]);

/** The two ingest endpoints differ only in their path, summary and what they ingest. */
function ingestRoute(
  kind: 'predictions' | 'outcomes',
  summary: string,
  ingest: (model: string, records: unknown[], preRejected: ReturnType<typeof recordsOfBody>['rejected']) => Promise<unknown>,
): RouteDefinition {
  return defineRoute({
    method: 'post',
    path: `/api/v1/models/{model}/${kind}`,
    summary,
    tags: ['monitoring'],
    permission: 'ingest',
    params: modelParams,
    body: ingestBody,
    largeBody: true,
    bodyContentTypes: ['application/json', 'application/x-ndjson'],
    responses: {
      200: { description: 'Accepted count, rejected records with reasons, and pending (parked) outcomes', schema: ingestResult },
      404: { description: 'No such model' },
      413: { description: 'More than 10,000 records' },
    },
    handler: async ({ params, body }) => {
      const { records, rejected } = recordsOfBody(body);
      return ok(await ingest(params.model, records, rejected));
    },
  });
}

export function monitoringRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    ingestRoute(
      'predictions',
      'Ingest predictions (JSON or NDJSON, ≤ 10,000 records); replies after accepted records are durable',
      (model, records, preRejected) => ctx.monitor.ingestPredictions(model, records, { preRejected }),
    ),
    ingestRoute(
      'outcomes',
      'Ingest outcomes (impression, click, conversion, label), joined to predictions by id',
      (model, records, preRejected) => ctx.monitor.ingestOutcomes(model, records, { preRejected }),
    ),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/ingest',
      summary: 'Outcomes parked until their prediction arrives, and those that expired (MODELWATCH_OUTCOME_PARKING_WINDOW)',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'Parked and expired outcome counts', schema: parkingReply }, 404: { description: 'No such model' } },
      handler: async ({ params }) => {
        const c = await ctx.monitor.parking(params.model);
        return ok({ parked: c.parked, expired: c.expired, oldestParkedAt: c.oldestParkedAt === null ? null : new Date(c.oldestParkedAt).toISOString() });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/kpis',
      summary: 'KPI series (ctr, cvr, latency_p50/p90/p99, error_rate, requests; online quality from labels: accuracy … label_delay_mean) per version and arm, from rollups',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      query: kpiQuery,
      responses: { 200: { description: 'Series; proportions carry counts and Wilson intervals', schema: kpiSeriesReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) =>
        ok(
          await ctx.monitor.series(params.model, {
            from: query.from,
            to: query.to,
            step: query.step,
            versions: query.version,
            arms: query.arm,
            kpis: query.kpi,
            by: query.by,
            threshold: query.threshold,
          }),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/calibration',
      summary: 'Calibration of labelled predictions per version and arm: expected vs observed positive rate per score bin (50 bins on [0, 1]), over one range',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      query: calibrationQuery,
      responses: { 200: { description: 'Per version and arm: bins and the expected calibration error', schema: calibrationReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) =>
        ok(await ctx.monitor.calibration(params.model, { from: query.from, to: query.to, versions: query.version, arms: query.arm })),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/score-drift',
      summary: 'Prediction (score) drift per version and arm: the score histogram of [from, to) against a reference range (PSI, binned KS, Jensen–Shannon)',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      query: scoreDriftQuery,
      responses: { 200: { description: 'Per version and arm: drift and both histograms', schema: scoreDriftReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) =>
        ok(
          await ctx.monitor.scoreDrift(params.model, {
            from: query.from,
            to: query.to,
            referenceFrom: query.referenceFrom,
            referenceTo: query.referenceTo,
            versions: query.version,
            arms: query.arm,
          }),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/drift',
      summary: 'Feature drift per version and window against the reference profile, from rollups',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      query: driftQuery,
      responses: { 200: { description: 'Per version, per window: per-feature results, drift share and dataset verdict', schema: driftReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) =>
        ok(
          await ctx.monitor.drift(params.model, {
            from: query.from,
            to: query.to,
            step: query.step,
            versions: query.version,
            arms: query.arm,
            features: query.feature,
            methods: query.method,
          }),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/data-quality',
      summary: 'Data quality per version and feature over [from, to): missing, out-of-range, unseen and type-error rates, mean shifts in reference σ, and ingest freshness, from rollups',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      query: dataQualityQuery,
      responses: { 200: { description: 'Per version: per-feature rates and flags, the mean-vector distance, freshness', schema: dataQualityReply }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) =>
        ok(
          await ctx.monitor.dataQuality(params.model, {
            from: query.from,
            to: query.to,
            step: query.step,
            versions: query.version,
            arms: query.arm,
            k: query.k,
            minVolume: query.minVolume,
            missingRate: query.missingRate,
            outOfRangeRate: query.outOfRangeRate,
            unseenRate: query.unseenRate,
            typeErrorRate: query.typeErrorRate,
            noTrafficAfterMs: query.noTrafficAfter,
          }),
        ),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/health',
      summary: 'Model health: score 0..1, status ok|degraded|failing, reasons (rule: model settings "health", else the default)',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'Health', schema: modelHealthReply }, 404: { description: 'No such model' } },
      handler: async ({ params }) => ok(await ctx.monitor.health(params.model)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/profiles',
      summary: 'Reference profiles of the model’s versions (summaries)',
      tags: ['monitoring'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'Profiles', schema: z.object({ profiles: z.array(profileSummaryReply) }) } },
      handler: async ({ params }) => {
        await ctx.models.get(params.model);
        return ok({ profiles: await ctx.profiles.list(params.model) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/versions/{version}/profile',
      summary: 'A version’s reference profile',
      tags: ['monitoring'],
      permission: 'read',
      params: versionParams,
      responses: { 200: { description: 'Summary and profile', schema: versionProfileReply }, 404: { description: 'No profile for this version' } },
      handler: async ({ params }) => {
        await ctx.models.get(params.model);
        const profile = await ctx.profiles.get(params.model, params.version);
        const summary = (await ctx.profiles.list(params.model)).find((p) => p.version === params.version);
        if (!profile || !summary) {
          throw notFound(
            `no reference profile for version "${params.version}" of model "${params.model}"; ` +
              `create one with POST /api/v1/models/${params.model}/versions/${params.version}/profile`,
          );
        }
        return ok({ ...summary, profile });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/versions/{version}/profile',
      summary: 'Set a version’s reference profile: from its traffic in {from, to}, from {rows}, or a ready {profile}',
      tags: ['monitoring'],
      permission: 'edit',
      params: versionParams,
      body: profileBody,
      largeBody: true,
      responses: { 201: { description: 'Saved', schema: profileSummaryReply }, 404: { description: 'No such model' } },
      handler: async ({ params, body, actor }) => {
        const { model, version } = params;
        if ('profile' in body) {
          const parsed = parseProfile(body.profile);
          if (!parsed.success) throw validationError(parsed.error, 'body.profile');
          return created(await ctx.monitor.saveProfile(model, version, parsed.data, actor!, {}));
        }
        const options = {
          ...(body.bins !== undefined ? { bins: body.bins } : {}),
          ...(body.maxCategories !== undefined ? { maxCategories: body.maxCategories } : {}),
          ...(body.sampleSize !== undefined ? { sampleSize: body.sampleSize } : {}),
        };
        if ('rows' in body) return created(await ctx.monitor.profileFromRows(model, version, body.rows, options, actor!));
        return created(await ctx.monitor.profileFromTraffic(model, version, { from: body.from, to: body.to, options }, actor!));
      },
    }),
  ];
}
