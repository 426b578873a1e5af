import { TestDataSourceResponse } from '@grafana/data';
import type { ApiClient } from '@modelwatch/plugin-api';
import { describeError, fetchStatus, isRejectedToken } from './api/client';

/**
 * Two checks, each with advice: can Grafana reach the backend at all (`/healthz`, no token), and
 * does the backend accept the token (`GET /api/v1/models`, needs at least the viewer role).
 */
export async function testConnection(api: ApiClient, backendUrl?: string): Promise<TestDataSourceResponse> {
  if (!backendUrl) {
    return {
      status: 'error',
      message: 'Set the ModelWatch backend URL (for example http://modelwatch:8080) and save.',
    };
  }
  try {
    await api.healthz();
  } catch (err) {
    const status = fetchStatus(err);
    const hint =
      status === 502 || status === 504 || status === undefined
        ? `Grafana's server cannot reach ${backendUrl}: check the URL from where Grafana runs (inside Docker, localhost is the container) and that the backend is running.`
        : `The backend at ${backendUrl} answered /healthz with an error.`;
    return { status: 'error', message: `${hint} (${describeError(err)})` };
  }
  try {
    const models = await api.listModels();
    const count = models.length === 1 ? '1 model' : `${models.length} models`;
    return { status: 'success', message: `Connected to ModelWatch at ${backendUrl}: ${count}.` };
  } catch (err) {
    const status = fetchStatus(err);
    const hint = isRejectedToken(err)
      ? 'The backend rejected the API token: paste a valid token (create one with `modelwatch token create --role viewer`) and save.'
      : status === 403
        ? 'The API token lacks the viewer role needed to read models: use a token with role viewer or higher.'
        : 'The backend is up, but listing models failed.';
    return { status: 'error', message: `${hint} (${describeError(err)})` };
  }
}
