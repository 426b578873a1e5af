import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { decisionSchema, incidentSchema } from '../../alerts/alert-records.ts';
import type { PolicyView } from '../../alerts/policies.ts';
import { policyDocumentInputSchema, policyDocumentOutputSchema, policyToOutput } from '../../alerts/policy-schema.ts';
import { timeInput } from '../../core/schemas.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

const view = (policies: PolicyView) => ({
  dryRun: policies.document.dryRun,
  maxActionsPerHour: policies.document.maxActionsPerHour,
  maxActionsPerModelPerHour: policies.document.maxActionsPerModelPerHour,
  policies: policies.document.policies.map(policyToOutput),
  isDefault: policies.isDefault,
  updatedAt: policies.updatedAt,
  updatedBy: policies.updatedBy,
});

const idParams = z.object({ id: z.string().min(1) });
const noteBody = z.object({ reason: z.string().trim().max(2000).optional() }).optional();
const pendingSchema = decisionSchema.extend({ incident: incidentSchema });

export function policyRoutes(ctx: AppContext): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/policies',
      summary: 'Alert policies (the default policy when none are stored)',
      tags: ['alerts'],
      permission: 'read',
      responses: { 200: { description: 'The policy document', schema: policyDocumentOutputSchema } },
      handler: async () => ok(view(await ctx.alerts.policies())),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/policies',
      summary: 'Replace the alert policies',
      tags: ['alerts'],
      permission: 'admin',
      body: policyDocumentInputSchema,
      responses: { 200: { description: 'The stored document', schema: policyDocumentOutputSchema }, 400: { description: 'Invalid document' } },
      handler: async ({ body, actor }) => ok(view(await ctx.alerts.setPolicies(body, actor!))),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/policies',
      summary: 'Forget the stored policies: back to the default policy',
      tags: ['alerts'],
      permission: 'admin',
      responses: { 200: { description: 'The default document', schema: policyDocumentOutputSchema } },
      handler: async ({ actor }) => ok(view(await ctx.alerts.resetPolicies(actor!))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/policies/pending',
      summary: 'Actions waiting for approval',
      tags: ['alerts'],
      permission: 'read',
      responses: { 200: { description: 'Pending actions, newest first', schema: z.object({ pending: z.array(pendingSchema) }) } },
      handler: async () => ok({ pending: await ctx.alerts.listPending() }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/pending/{id}/approve',
      summary: 'Approve a pending action: it runs now',
      tags: ['alerts'],
      permission: 'admin',
      params: idParams,
      body: noteBody,
      responses: {
        200: { description: 'The decision after the action ran', schema: z.object({ decision: decisionSchema }) },
        404: { description: 'No such pending action' },
        409: { description: 'Already decided' },
      },
      handler: async ({ params, body, actor }) => ok({ decision: await ctx.alerts.approve(params.id, actor!, body?.reason || undefined) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/policies/pending/{id}/reject',
      summary: 'Reject a pending action: it never runs',
      tags: ['alerts'],
      permission: 'admin',
      params: idParams,
      body: noteBody,
      responses: {
        200: { description: 'The rejected decision', schema: z.object({ decision: decisionSchema }) },
        404: { description: 'No such pending action' },
        409: { description: 'Already decided' },
      },
      handler: async ({ params, body, actor }) => ok({ decision: await ctx.alerts.reject(params.id, actor!, body?.reason || undefined) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/incidents',
      summary: 'Alert incidents (one per alert instance) with the latest decision, newest first',
      tags: ['alerts'],
      permission: 'read',
      query: z.object({
        model: z.string().optional(),
        status: z.enum(['firing', 'resolved']).optional(),
        from: timeInput.optional(),
        to: timeInput.optional(),
        limit: z.coerce.number().int().min(1).max(10_000).optional(),
      }),
      responses: { 200: { description: 'Incidents', schema: z.object({ incidents: z.array(incidentSchema) }) } },
      handler: async ({ query }) =>
        ok({
          incidents: await ctx.alerts.listIncidents({
            model: query.model,
            status: query.status,
            fromMs: query.from,
            toMs: query.to,
            limit: query.limit,
          }),
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/incidents/{id}',
      summary: 'One incident with every decision taken on it',
      tags: ['alerts'],
      permission: 'read',
      params: idParams,
      responses: {
        200: { description: 'The incident', schema: incidentSchema.extend({ decisions: z.array(decisionSchema) }) },
        404: { description: 'No such incident' },
      },
      handler: async ({ params }) => ok(await ctx.alerts.getIncident(params.id)),
    }),
  ];
}
