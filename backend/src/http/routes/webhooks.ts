import type { Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../app-context.ts';
import { alertResultSchema } from '../../alerts/alert-records.ts';
import { alertmanagerPayloadSchema, grafanaPayloadSchema, normalizeNotification } from '../../alerts/payloads.ts';
import type { AlertSource } from '../../alerts/types.ts';
import { authenticateWebhook } from '../../alerts/webhook-auth.ts';
import { invalid } from '../../core/errors.ts';
import { validationError } from '../../core/zod-errors.ts';
import { defineRoute, ok, type RouteDefinition } from '../route.ts';

/**
 * Alert contact points. Public in the route table because senders authenticate in their own
 * ways (bearer, basic, Grafana's HMAC over the raw body); the handler checks before it reads
 * the payload.
 */

const replySchema = z.object({ received: z.number(), results: z.array(alertResultSchema) }).meta({ id: 'AlertWebhookReply' });

const responses = {
  200: { description: 'What was decided for each alert', schema: replySchema },
  400: { description: 'Not a payload of this sender' },
  401: { description: 'No or bad credentials or signature, or a stale signature timestamp' },
  403: { description: 'The token may not act (needs webhook, editor or admin)' },
};

export function webhookRoutes(ctx: AppContext): RouteDefinition[] {
  const route = (source: AlertSource, schema: typeof grafanaPayloadSchema | typeof alertmanagerPayloadSchema, summary: string) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/webhooks/${source}`,
      summary,
      tags: ['alerts'],
      permission: 'public',
      responses,
      handler: async ({ req }) => {
        const caller = await authenticateWebhook({
          header: (name) => req.get(name),
          rawBody: (req as Request & { rawBody?: Buffer }).rawBody,
          secret: ctx.config.webhookSecret,
          nowMs: Date.now(),
          authenticateToken: (token) => ctx.tokens.authenticate(token),
        });
        if (req.body === undefined || typeof req.body !== 'object' || req.body === null) {
          throw invalid('body: expected a JSON alert notification with Content-Type: application/json');
        }
        const parsed = schema.safeParse(req.body);
        if (!parsed.success) throw validationError(parsed.error, 'body');
        const notification = normalizeNotification(source, parsed.data);
        const results = await ctx.alerts.receive(notification, caller);
        return ok({ received: results.length, results });
      },
    });
  return [
    route('grafana', grafanaPayloadSchema, 'Grafana alerting webhook contact point'),
    route('alertmanager', alertmanagerPayloadSchema, 'Prometheus Alertmanager webhook receiver (payload version 4)'),
  ];
}
