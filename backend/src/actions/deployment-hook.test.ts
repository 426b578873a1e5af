import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { backoffDelay, deliverDeployment, deploymentTarget, signDeployment, type DeploymentPayload } from './deployment-hook.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

const payload: DeploymentPayload = {
  event: 'promote',
  actionId: 'a1',
  model: 'ctr',
  fromVersion: 'v1',
  toVersion: 'v2',
  actor: 'token:ci',
  reason: 'better',
  timestamp: '2026-01-01T00:00:00.000Z',
  artifact: null,
};

describe('deployment hook', () => {
  let server: http.Server;
  let url: string;
  const received: Received[] = [];
  let answers: number[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answers.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deploy`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const options = { attempts: 4, backoffMs: 1, timeoutMs: 2000 };

  test('signs "<timestamp>.<body>" with HMAC-SHA256 and says which event', async () => {
    received.length = 0;
    answers = [204];
    const outcome = await deliverDeployment({ url, secret: 's3cret' }, payload, options);
    assert.equal(outcome.status, 'delivered');
    assert.equal(outcome.attempts, 1);
    const [got] = received;
    const timestamp = got!.headers['x-modelwatch-timestamp'] as string;
    const expected = `sha256=${createHmac('sha256', 's3cret').update(`${timestamp}.${got!.body}`).digest('hex')}`;
    assert.equal(got!.headers['x-modelwatch-signature'], expected);
    assert.equal(got!.headers['x-modelwatch-event'], 'promote');
    assert.equal(got!.headers['x-modelwatch-delivery'], 'a1');
    assert.deepEqual(JSON.parse(got!.body), payload);
    assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 5);
  });

  test('retries 5xx and 429 with backoff, then succeeds', async () => {
    received.length = 0;
    answers = [500, 429, 200];
    const outcome = await deliverDeployment({ url, secret: 'x' }, payload, options);
    assert.equal(outcome.status, 'delivered');
    assert.equal(outcome.attempts, 3);
    assert.equal(received.length, 3);
  });

  test('a 4xx answer is final; attempts are bounded', async () => {
    received.length = 0;
    answers = [400];
    const refused = await deliverDeployment({ url }, payload, options);
    assert.deepEqual([refused.status, refused.attempts, refused.httpStatus], ['failed', 1, 400]);
    assert.equal(received[0]!.headers['x-modelwatch-signature'], undefined, 'no secret, no signature');
    answers = [503, 503, 503, 503, 503];
    const down = await deliverDeployment({ url }, payload, options);
    assert.deepEqual([down.status, down.attempts, down.httpStatus], ['failed', 4, 503]);
  });

  test('network errors are retried and reported', async () => {
    const outcome = await deliverDeployment({ url: 'http://127.0.0.1:1/' }, payload, { ...options, attempts: 2 });
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.attempts, 2);
    assert.ok(outcome.error);
  });

  test('backoff doubles with ±20 % jitter, capped', () => {
    assert.equal(backoffDelay(100, 2, () => 0.5), 100);
    assert.equal(backoffDelay(100, 3, () => 0.5), 200);
    assert.equal(backoffDelay(100, 4, () => 0), 320);
    assert.equal(backoffDelay(100, 30, () => 0.5), 60_000);
  });

  test('settings: absent, valid, malformed', () => {
    assert.equal(deploymentTarget({}), undefined);
    assert.deepEqual(deploymentTarget({ deployment: { url: 'https://deploy.example/hook', secret: 'k' } }), { url: 'https://deploy.example/hook', secret: 'k' });
    assert.throws(() => deploymentTarget({ deployment: { url: 'ftp://x' } }), /http\(s\) URL/);
    assert.throws(() => deploymentTarget({ deployment: 'x' }), /must be an object/);
    assert.equal(signDeployment('k', '1', '{}'), `sha256=${createHmac('sha256', 'k').update('1.{}').digest('hex')}`);
  });
});
