import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import type { StagedArtifact } from '../../registry/artifact-store.ts';
import { DomainError, invalid } from '../../core/errors.ts';
import {
  aliasesSchema,
  modelVersionSchema,
  registerVersionSchema,
  validationStatuses,
  versionNameSchema,
} from '../../registry/version-schemas.ts';
import { modelParams, reasonSchema } from '../../core/schemas.ts';
import { created, defineRoute, ok, type RouteDefinition } from '../route.ts';

const versionParams = modelParams.extend({ version: z.string().min(1) });

interface Upload {
  staged: StagedArtifact;
  /** Set once the handler hands it to the registry, which then always adopts or removes it. */
  claimed: boolean;
}

/**
 * multipart/form-data: the file in field `artifact`, everything else as JSON in field `meta`.
 * Runs after authentication (route.ts `middleware`). The file streams to disk through the
 * registry (ArtifactStore.stage: hashed on the way, 413 past the limit), never into memory;
 * the JSON-form body is built from `meta`, the staged file is kept in `uploads`. A request that
 * ends without the handler claiming its file (bad meta, failed validation, client gone) has
 * the file removed when the response closes.
 */
function multipartArtifact(ctx: AppContext, maxBytes: number, uploads: WeakMap<Request, Upload>): RequestHandler {
  const discard = (staged: StagedArtifact) => ctx.registry.discardStaged(staged).catch((error: unknown) => ctx.logger.warn({ err: error }, 'removing a staged upload failed'));
  const storage: multer.StorageEngine = {
    _handleFile(req, file, callback) {
      ctx.registry.stageArtifact(file.stream, maxBytes).then((staged) => {
        uploads.set(req, { staged, claimed: false });
        callback(null, { path: staged.file, size: staged.sizeBytes });
      }, callback);
    },
    _removeFile(req, _file, callback) {
      const upload = uploads.get(req);
      uploads.delete(req);
      if (!upload) return callback(null);
      void discard(upload.staged).then(() => callback(null));
    },
  };
  const upload = multer({ storage, limits: { fileSize: maxBytes, files: 1, fields: 10 } }).single('artifact');
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    res.once('close', () => {
      const pending = uploads.get(req);
      if (pending && !pending.claimed) void discard(pending.staged);
    });
    upload(req, res, (error?: unknown) => {
      if (error) {
        const code = (error as { code?: string }).code;
        if (code === 'LIMIT_FILE_SIZE') return next(new DomainError('payload_too_large', `artifact: larger than the limit of ${maxBytes} bytes (MODELWATCH_MAX_BODY_MB)`));
        if (code === 'LIMIT_UNEXPECTED_FILE') return next(invalid('multipart: send one file, in the field "artifact"'));
        if (error instanceof DomainError) return next(error);
        return next(invalid(`multipart: ${(error as Error).message}`));
      }
      const fields = (req.body ?? {}) as Record<string, unknown>;
      let meta: unknown = {};
      if (typeof fields.meta === 'string' && fields.meta.trim()) {
        try {
          meta = JSON.parse(fields.meta);
        } catch (parseError) {
          return next(invalid(`meta: not valid JSON (${(parseError as Error).message})`));
        }
      }
      if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return next(invalid('meta: expected a JSON object'));
      if ('artifact' in meta) return next(invalid('meta.artifact: send the file in the multipart field "artifact", not in meta'));
      req.body = meta;
      next();
    });
  };
}

export function versionRoutes(ctx: AppContext): RouteDefinition[] {
  const uploads = new WeakMap<Request, Upload>();
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/models/{model}/versions',
      summary: 'Register a model version (ONNX artifact, metrics, lineage, reference profile)',
      tags: ['registry'],
      permission: 'edit',
      params: modelParams,
      body: registerVersionSchema,
      largeBody: true,
      bodyContentTypes: ['application/json', 'multipart/form-data'],
      middleware: [multipartArtifact(ctx, ctx.config.maxBodyBytes, uploads)],
      responses: {
        201: { description: 'Registered, loaded and warmed', schema: modelVersionSchema },
        400: { description: 'The artifact cannot be loaded or does not fit the model' },
        404: { description: 'No such model' },
        409: { description: 'That version exists already' },
      },
      handler: async ({ params, body, actor, req }) => {
        const upload = uploads.get(req);
        if (upload) upload.claimed = true;
        const version = await ctx.registry.register(params.model, { ...body, artifact: upload?.staged ?? body.artifact }, actor!);
        return created(version);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/versions',
      summary: 'List versions, newest first',
      tags: ['registry'],
      permission: 'read',
      params: modelParams,
      responses: { 200: { description: 'Versions', schema: z.object({ versions: z.array(modelVersionSchema) }) } },
      handler: async ({ params }) => ok({ versions: await ctx.registry.listVersions(params.model) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/versions/{version}',
      summary: 'Get a version (with its serving status: loaded, or failed and why)',
      tags: ['registry'],
      permission: 'read',
      params: versionParams,
      responses: { 200: { description: 'The version', schema: modelVersionSchema }, 404: { description: 'No such version' } },
      handler: async ({ params }) => ok(await ctx.registry.getVersion(params.model, params.version)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/versions/{version}/artifact',
      summary: 'Download the ONNX file (checksum verified)',
      tags: ['registry'],
      permission: 'read',
      params: versionParams,
      responses: {
        200: { description: 'The ONNX file', contentType: 'application/octet-stream' },
        404: { description: 'No such version' },
        422: { description: 'The stored file is missing or corrupt' },
      },
      handler: async ({ params, res }) => {
        const bytes = await ctx.registry.readArtifact(params.model, params.version);
        res
          .status(200)
          .type('application/octet-stream')
          .set('content-disposition', `attachment; filename="${params.model}-${params.version}.onnx"`)
          .send(bytes);
        return undefined;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/models/{model}/versions/{version}/validation',
      summary: 'Set the validation verdict (the retrain gate); a failed version never serves',
      tags: ['registry'],
      permission: 'edit',
      params: versionParams,
      body: z.object({ status: z.enum(validationStatuses), details: z.record(z.string(), z.unknown()).optional() }),
      responses: { 200: { description: 'The version', schema: modelVersionSchema }, 404: { description: 'No such version' } },
      handler: async ({ params, body, actor }) =>
        ok(await ctx.registry.setValidation(params.model, params.version, body.status, body.details ?? {}, actor!)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/models/{model}/aliases',
      summary: 'Champion and challenger, with their history (newest first)',
      tags: ['registry'],
      permission: 'read',
      params: modelParams,
      query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).optional() }),
      responses: { 200: { description: 'Aliases', schema: aliasesSchema }, 404: { description: 'No such model' } },
      handler: async ({ params, query }) => {
        await ctx.models.get(params.model);
        const [aliases, history] = await Promise.all([
          ctx.registry.aliases(params.model),
          ctx.registry.aliasHistory(params.model, { limit: query.limit ?? 100 }),
        ]);
        return ok({ champion: aliases.champion ?? null, challenger: aliases.challenger ?? null, history });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/models/{model}/aliases/challenger',
      summary: 'Set (or clear, with version null) the challenger; the champion changes only by promote/rollback',
      tags: ['registry'],
      permission: 'edit',
      params: modelParams,
      body: z.object({ version: versionNameSchema.nullable(), reason: reasonSchema }),
      responses: { 200: { description: 'Aliases', schema: aliasesSchema }, 404: { description: 'No such model or version' } },
      handler: async ({ params, body, actor }) => {
        await ctx.registry.setAlias(params.model, 'challenger', body.version, actor!, body.reason);
        const aliases = await ctx.registry.aliases(params.model);
        return ok({ champion: aliases.champion ?? null, challenger: aliases.challenger ?? null, history: await ctx.registry.aliasHistory(params.model, { limit: 100 }) });
      },
    }),
  ];
}
