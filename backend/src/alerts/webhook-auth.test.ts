import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import { authenticateWebhook, grafanaSignature, type WebhookAuthInput } from './webhook-auth.ts';

const NOW = 1_800_000_000_000;
const SECRET = 'webhook-secret';
const BODY = Buffer.from('{"status":"firing","alerts":[]}');
const tokens: Record<string, Actor> = {
  editor: { name: 'token:am', role: 'editor', tokenId: 'id-editor' },
  admin: { name: 'token:admin', role: 'admin', tokenId: 'id-admin' },
  viewer: { name: 'token:view', role: 'viewer', tokenId: 'id-viewer' },
  webhook: { name: 'token:hook', role: 'webhook', tokenId: 'id-webhook' },
};

const input = (headers: Record<string, string>, overrides: Partial<WebhookAuthInput> = {}): WebhookAuthInput => ({
  header: (name) => headers[name.toLowerCase()],
  rawBody: BODY,
  secret: SECRET,
  nowMs: NOW,
  authenticateToken: async (token) => tokens[token] ?? null,
  ...overrides,
});

async function rejects(promise: Promise<unknown>, code: string, message: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

const signed = (ts: string, body: Buffer | string = BODY, secret = SECRET) => ({
  'x-grafana-alerting-signature': grafanaSignature(secret, ts, body),
  'x-grafana-alerting-signature-timestamp': ts,
});

describe('webhook authentication', () => {
  test('Grafana signature: hex HMAC-SHA256 of "<ts>:<body>" (as Grafana computes it)', () => {
    const expected = createHmac('sha256', SECRET).update(`1700000000:${BODY.toString()}`).digest('hex');
    assert.equal(grafanaSignature(SECRET, '1700000000', BODY), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
  });

  test('a valid signature with a fresh timestamp passes, in either header name Grafana uses', async () => {
    const ts = String(NOW / 1000 - 30);
    const caller = await authenticateWebhook(input(signed(ts)));
    assert.deepEqual(caller, { actor: { name: 'webhook:hmac', role: 'webhook' }, method: 'hmac', credential: 'hmac' });
    const { 'x-grafana-alerting-signature': sig } = signed(ts);
    const legacy = { 'x-grafana-alert-signature': sig, 'x-grafana-alerting-signature-timestamp': ts };
    assert.equal((await authenticateWebhook(input(legacy))).method, 'hmac');
    // Milliseconds are accepted as well.
    assert.equal((await authenticateWebhook(input(signed(String(NOW - 1000))))).method, 'hmac');
  });

  test('stale or future timestamps are replays: 401', async () => {
    for (const ts of [String(NOW / 1000 - 301), String(NOW / 1000 + 301), '1']) {
      await rejects(authenticateWebhook(input(signed(ts))), 'unauthenticated', /stale webhook timestamp/);
    }
  });

  test('a signature over another body, with another secret, or malformed: 401', async () => {
    const ts = String(NOW / 1000);
    await rejects(authenticateWebhook(input(signed(ts, '{"other":1}'))), 'unauthenticated', /does not match/);
    await rejects(authenticateWebhook(input(signed(ts, BODY, 'wrong'))), 'unauthenticated', /does not match/);
    await rejects(
      authenticateWebhook(input({ 'x-grafana-alerting-signature': 'zz', 'x-grafana-alerting-signature-timestamp': ts })),
      'unauthenticated',
      /does not match/,
    );
    // The signature covers the timestamp: moving it breaks the signature.
    const moved = { ...signed(ts), 'x-grafana-alerting-signature-timestamp': String(NOW / 1000 - 10) };
    await rejects(authenticateWebhook(input(moved)), 'unauthenticated', /does not match/);
  });

  test('a signature without a timestamp is refused (no replay protection)', async () => {
    const headers = { 'x-grafana-alerting-signature': createHmac('sha256', SECRET).update(BODY).digest('hex') };
    await rejects(authenticateWebhook(input(headers)), 'unauthenticated', /without a timestamp/);
  });

  test('a bad signature is refused even with a valid token', async () => {
    const headers = { ...signed(String(NOW / 1000), '{"x":1}'), authorization: 'Bearer editor' };
    await rejects(authenticateWebhook(input(headers)), 'unauthenticated', /does not match/);
  });

  test('a signature when no secret is configured: falls back to the token, or 401', async () => {
    const headers = signed(String(NOW / 1000));
    await rejects(authenticateWebhook(input(headers, { secret: undefined })), 'unauthenticated', /MODELWATCH_WEBHOOK_SECRET is not set/);
    const caller = await authenticateWebhook(input({ ...headers, authorization: 'Bearer editor' }, { secret: undefined }));
    assert.equal(caller.method, 'bearer');
  });

  test('bearer and basic (token as password) of a webhook, editor or admin token; the credential is the token id', async () => {
    assert.deepEqual(await authenticateWebhook(input({ authorization: 'Bearer editor' })), {
      actor: tokens.editor,
      method: 'bearer',
      credential: 'id-editor',
    });
    const basic = `Basic ${Buffer.from('alertmanager:admin').toString('base64')}`;
    assert.deepEqual(await authenticateWebhook(input({ authorization: basic })), { actor: tokens.admin, method: 'basic', credential: 'id-admin' });
    assert.equal((await authenticateWebhook(input({ authorization: 'Bearer webhook' }))).actor.role, 'webhook');
  });

  test('a signature with no captured raw body fails closed instead of being checked over nothing', async () => {
    const ts = String(NOW / 1000);
    const overEmpty = { 'x-grafana-alerting-signature': grafanaSignature(SECRET, ts, ''), 'x-grafana-alerting-signature-timestamp': ts };
    await rejects(authenticateWebhook(input(overEmpty, { rawBody: undefined })), 'unauthenticated', /body was not JSON/);
  });

  test('unknown tokens, wrong schemes, no credentials: 401; a viewer token: 403', async () => {
    await rejects(authenticateWebhook(input({ authorization: 'Bearer nope' })), 'unauthenticated', /not recognised/);
    await rejects(authenticateWebhook(input({ authorization: 'Token editor' })), 'unauthenticated', /must be "Bearer/);
    const emptyPassword = `Basic ${Buffer.from('editor:').toString('base64')}`;
    await rejects(authenticateWebhook(input({ authorization: emptyPassword })), 'unauthenticated', /empty/);
    await rejects(authenticateWebhook(input({})), 'unauthenticated', /unauthenticated webhook/);
    await rejects(authenticateWebhook(input({ authorization: 'Bearer viewer' })), 'permission_denied', /webhook, editor or admin/);
  });
});
