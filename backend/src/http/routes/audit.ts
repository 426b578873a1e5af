import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { timeInput } from '../../core/schemas.ts';
import { redactAuditDetails } from '../../models/settings-privileges.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const auditEntrySchema = z
  .object({
    id: z.string(),
    type: z.string(),
    status: z.string(),
    model: z.string().nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    fromVersion: z.string().nullable(),
    toVersion: z.string().nullable(),
    jobId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      summary: 'Audit log (actions and changes), newest first; also Grafana annotations',
      tags: ['audit'],
      permission: 'read',
      query: z.object({
        model: z.string().optional(),
        type: z.string().optional(),
        from: timeInput.optional(),
        to: timeInput.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).optional(),
      }),
      responses: { 200: { description: 'Entries', schema: z.object({ actions: z.array(auditEntrySchema) }) } },
      handler: async ({ query }) =>
        ok({
          actions: (
            await ctx.audit.list({
              model: query.model,
              type: query.type,
              fromMs: query.from,
              toMs: query.to,
              limit: query.limit,
            })
          ).map((entry) => ({ ...entry, details: redactAuditDetails(entry.details) })),
        }),
    }),
  ];
}
