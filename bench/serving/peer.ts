/**
 * The bare peer of bench/serving/busy.ts: the least a Node.js service can do for the same
 * request. node:http, the same JSON body as POST /api/v1/models/{m}/predict ({"unitId"?,
 * "features": {...}}), the same onnxruntime-node session options as onnx/onnx-session.ts on
 * the same ONNX bytes, the same reply shape; a bearer-token comparison, no routing, no
 * logging, no monitoring. Prints {"url", "pid"} once listening (bench/service-child.ts).
 *
 *   node bench/serving/peer.ts <model.onnx> <feature,names> <token>
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ort from 'onnxruntime-node';

const [file, featureList, token] = process.argv.slice(2);
if (!file || !featureList || !token) throw new Error('usage: peer.ts <model.onnx> <feature,names> <token>');
const names = featureList.split(',');
const session = await ort.InferenceSession.create(fs.readFileSync(file), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const auth = `Bearer ${token}`;

const reply = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const server = http.createServer((req, res) => {
  if (req.headers.authorization !== auth) return reply(res, 401, { error: 'unauthenticated' });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let features: Record<string, unknown>;
    try {
      features = (JSON.parse(Buffer.concat(chunks).toString()) as { features: Record<string, unknown> }).features;
    } catch {
      return reply(res, 400, { error: 'body: expected JSON' });
    }
    const data = new Float32Array(names.length);
    for (let i = 0; i < names.length; i++) data[i] = Number(features[names[i]!]);
    session.run({ features: new ort.Tensor('float32', data, [1, names.length]) }, ['probability']).then(
      (out) => reply(res, 200, { predictions: [{ predictionId: randomUUID(), version: 'v1', arm: 'champion', score: Number(out.probability!.data[0]) }] }),
      (error: unknown) => reply(res, 503, { error: String(error) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
server.on('close', () => void session.release());
