import { createHmac } from 'node:crypto';

/**
 * Deployment hooks: for models served elsewhere, ModelWatch tells the model's own deployment
 * system about a promotion or rollback by POSTing a signed JSON body to the URL in the
 * model's settings (`settings.deployment = {url, secret}`).
 *
 * Signature (verify it on the receiving side):
 *   X-ModelWatch-Timestamp: <unix seconds>
 *   X-ModelWatch-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * Reject bodies whose timestamp is more than a few minutes old (replays). Deliveries are
 * retried with exponential backoff on network errors, timeouts, 408, 425, 429 and 5xx; other
 * 4xx answers are final. X-ModelWatch-Delivery carries the action id, so a receiver can drop
 * a retry it already applied.
 */
export interface DeploymentTarget {
  url: string;
  secret?: string;
}

export interface DeploymentPayload {
  event: 'promote' | 'rollback';
  actionId: string;
  model: string;
  fromVersion: string | null;
  toVersion: string;
  actor: string;
  reason: string | null;
  timestamp: string;
  artifact: { sha256: string; sizeBytes: number; path: string } | null;
}

export interface DeliveryOptions {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  /** For tests: a fake clock for backoff. */
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryOutcome {
  status: 'delivered' | 'failed';
  url: string;
  attempts: number;
  httpStatus?: number;
  error?: string;
  durationMs: number;
  finishedAt: string;
}

/** The hook in a model's settings, or undefined; throws a readable error when malformed. */
export function deploymentTarget(settings: Record<string, unknown>): DeploymentTarget | undefined {
  const raw = settings.deployment;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error('settings.deployment must be an object {url, secret}');
  const { url, secret } = raw as Record<string, unknown>;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new Error('settings.deployment.url must be an http(s) URL');
  if (secret !== undefined && (typeof secret !== 'string' || secret.length === 0)) throw new Error('settings.deployment.secret must be a non-empty string');
  return { url, ...(typeof secret === 'string' ? { secret } : {}) };
}

export const signDeployment = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

const retryable = (status: number): boolean => status >= 500 || status === 408 || status === 425 || status === 429;

/** Backoff before attempt n (n ≥ 2): base × 2^(n−2), ±20 % jitter, at most 60 s. */
export const backoffDelay = (base: number, attempt: number, random: () => number = Math.random): number =>
  Math.min(60_000, base * 2 ** (attempt - 2)) * (0.8 + 0.4 * random());

export async function deliverDeployment(target: DeploymentTarget, payload: DeploymentPayload, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastStatus: number | undefined;
  let lastError: string | undefined;
  let attempt = 0;
  while (attempt < options.attempts) {
    attempt++;
    if (attempt > 1) await sleep(backoffDelay(options.backoffMs, attempt));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'ModelWatch-Deployment-Hook',
      'x-modelwatch-event': payload.event,
      'x-modelwatch-delivery': payload.actionId,
      'x-modelwatch-timestamp': timestamp,
    };
    if (target.secret) headers['x-modelwatch-signature'] = signDeployment(target.secret, timestamp, body);
    try {
      const response = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs), redirect: 'manual' });
      await response.arrayBuffer().catch(() => undefined);
      lastStatus = response.status;
      lastError = undefined;
      if (response.ok) {
        return { status: 'delivered', url: target.url, attempts: attempt, httpStatus: response.status, durationMs: Math.round(performance.now() - started), finishedAt: new Date().toISOString() };
      }
      lastError = `HTTP ${response.status}`;
      if (!retryable(response.status)) break;
    } catch (error) {
      lastStatus = undefined;
      lastError = error instanceof Error ? (error.name === 'TimeoutError' ? `timed out after ${options.timeoutMs} ms` : error.message) : String(error);
    }
  }
  return {
    status: 'failed',
    url: target.url,
    attempts: attempt,
    ...(lastStatus !== undefined ? { httpStatus: lastStatus } : {}),
    ...(lastError ? { error: lastError } : {}),
    durationMs: Math.round(performance.now() - started),
    finishedAt: new Date().toISOString(),
  };
}
