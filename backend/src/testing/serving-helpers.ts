import assert from 'node:assert/strict';
import { logisticRegressionOnnx } from './onnx-fixtures.ts';
import type { TestServer } from './test-server.ts';

export const testFeatures = [
  { name: 'price', type: 'numeric' },
  { name: 'age', type: 'numeric' },
  { name: 'category', type: 'categorical' },
] as const;

/** Creates a model with price, age (numeric) and category (categorical). */
export async function createTestModel(server: TestServer, name: string, settings?: Record<string, unknown>): Promise<void> {
  const response = await server.request('POST', '/api/v1/models', { body: { name, features: testFeatures, ...(settings ? { settings } : {}) } });
  assert.equal(response.status, 201, response.text);
}

/** Registers a logistic model sigmoid(w·[price, age] + bias); answers the version name. */
export async function registerLogistic(
  server: TestServer,
  model: string,
  weights: [number, number],
  bias = 0,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await server.request('POST', `/api/v1/models/${model}/versions`, {
    body: { artifact: logisticRegressionOnnx({ weights, bias }).toString('base64'), ...extra },
  });
  assert.equal(response.status, 201, response.text);
  return response.body.version as string;
}

export async function promote(server: TestServer, model: string, version: string, reason = 'test'): Promise<void> {
  const response = await server.request('POST', `/api/v1/models/${model}/actions/promote`, { body: { version, reason } });
  assert.equal(response.status, 200, response.text);
}
