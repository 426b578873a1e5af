import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';

/**
 * Webhook authentication. Senders cannot always send our bearer header (Alertmanager can;
 * Grafana can; both can do basic auth), and Grafana can sign the body instead:
 *
 * - `Authorization: Bearer <token>` of a webhook, editor or admin token (what the alert may
 *   then do depends on that role: alerts/automation-rights.ts);
 * - `Authorization: Basic <user:token>`: any user name, the token as the password;
 * - Grafana's HMAC-SHA256: hex digest of `"<timestamp>:<raw body>"` with
 *   MODELWATCH_WEBHOOK_SECRET, in `X-Grafana-Alerting-Signature` (Grafana's default header
 *   name; `X-Grafana-Alert-Signature`, a name set by hand, is read too), the Unix timestamp in
 *   `X-Grafana-Alerting-Signature-Timestamp`. We require the timestamp and reject it
 *   outside a ±5 minute window, so a captured request cannot be replayed later.
 *
 * A signature that is present must verify, even when a valid token is also sent: a bad
 * signature means the body was altered. A signature with no raw body to check it against
 * (the body was not captured as JSON) fails too, rather than being checked over nothing.
 * The secret is the dedicated alert credential: a signed delivery acts as the `webhook` role.
 */

export const signatureHeaders = ['x-grafana-alerting-signature', 'x-grafana-alert-signature'] as const;
export const timestampHeaders = ['x-grafana-alerting-signature-timestamp', 'x-grafana-alerting-timestamp'] as const;
export const defaultReplayWindowMs = 5 * 60_000;

/** Roles that may make the service act through a webhook. */
const webhookRoles = new Set(['webhook', 'editor', 'admin']);

export interface WebhookAuthInput {
  header(name: string): string | undefined;
  rawBody: Buffer | undefined;
  secret: string | undefined;
  nowMs: number;
  replayWindowMs?: number;
  authenticateToken(token: string): Promise<Actor | null>;
}

export interface WebhookCaller {
  actor: Actor;
  method: 'bearer' | 'basic' | 'hmac';
  /** The token id, or `hmac`: what the per-credential rate limit counts by. */
  credential: string;
}

const unauthenticated = (message: string) => new DomainError('unauthenticated', message);

/** `"<ts>:<body>"` signed with the secret, hex; what Grafana sends when a timestamp header is set. */
export function grafanaSignature(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}:`).update(body).digest('hex');
}

const firstHeader = (input: WebhookAuthInput, names: readonly string[]) =>
  names.map((name) => input.header(name)).find((value) => value !== undefined && value !== '');

function verifySignature(input: WebhookAuthInput, signature: string, secret: string): WebhookCaller {
  const timestamp = firstHeader(input, timestampHeaders)?.trim();
  if (!timestamp) {
    throw unauthenticated(
      'HMAC signature without a timestamp; set the contact point\'s HMAC "Timestamp header" to X-Grafana-Alerting-Signature-Timestamp (it protects against replays)',
    );
  }
  if (!/^\d{1,16}$/.test(timestamp)) throw unauthenticated('X-Grafana-Alerting-Signature-Timestamp: expected Unix seconds');
  // Grafana sends seconds; accept milliseconds too, for senders that use them.
  const stampMs = timestamp.length > 11 ? Number(timestamp) : Number(timestamp) * 1000;
  const window = input.replayWindowMs ?? defaultReplayWindowMs;
  if (Math.abs(input.nowMs - stampMs) > window) {
    throw unauthenticated(
      `stale webhook timestamp (${new Date(stampMs).toISOString()}, more than ${window / 1000} s from now): a replayed or delayed delivery, or clocks out of sync`,
    );
  }
  if (input.rawBody === undefined) {
    throw unauthenticated('HMAC signature sent, but the request body was not JSON (Content-Type: application/json), so it cannot be checked');
  }
  const expected = Buffer.from(grafanaSignature(secret, timestamp, input.rawBody), 'hex');
  const given = /^[0-9a-fA-F]{64}$/.test(signature.trim()) ? Buffer.from(signature.trim(), 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthenticated('HMAC signature does not match the body (wrong MODELWATCH_WEBHOOK_SECRET, or the body was altered)');
  }
  return { actor: { name: 'webhook:hmac', role: 'webhook' }, method: 'hmac', credential: 'hmac' };
}

async function verifyAuthorization(input: WebhookAuthInput, header: string): Promise<WebhookCaller> {
  const [scheme = '', credentials = ''] = header.trim().split(/\s+/, 2);
  let token: string;
  let method: WebhookCaller['method'];
  if (/^bearer$/i.test(scheme)) {
    token = credentials;
    method = 'bearer';
  } else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    token = colon >= 0 ? decoded.slice(colon + 1) : '';
    method = 'basic';
  } else {
    throw unauthenticated('Authorization header must be "Bearer <token>" or "Basic <user:token>"');
  }
  if (!token) throw unauthenticated(`${method} credentials are empty`);
  const actor = await input.authenticateToken(token);
  if (!actor) throw unauthenticated('token not recognised or revoked');
  if (!webhookRoles.has(actor.role)) {
    throw new DomainError('permission_denied', `alert webhooks need a webhook, editor or admin token; a ${actor.role} token cannot act`);
  }
  return { actor, method, credential: actor.tokenId ?? actor.name };
}

export async function authenticateWebhook(input: WebhookAuthInput): Promise<WebhookCaller> {
  const signature = firstHeader(input, signatureHeaders);
  const authorization = input.header('authorization');
  if (signature !== undefined && input.secret) return verifySignature(input, signature, input.secret);
  if (authorization) return verifyAuthorization(input, authorization);
  if (signature !== undefined) {
    throw unauthenticated('HMAC signature sent, but MODELWATCH_WEBHOOK_SECRET is not set on the service; set it or use a bearer token');
  }
  throw unauthenticated(
    'unauthenticated webhook: send "Authorization: Bearer <webhook, editor or admin token>", basic auth with the token as password, or a Grafana HMAC signature',
  );
}
