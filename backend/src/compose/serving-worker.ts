/**
 * Entry of the dedicated serving thread (compose/serving-thread.ts starts it with
 * MODELWATCH_SERVING_PORT set): its own session pool, router and PredictService behind the
 * main port's /predict and /healthz routes, fed copies of tokens, routes and artifacts by the
 * main thread, posting what it serves back. No store, no timers but the outbox's: nothing of
 * the control plane runs on this event loop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { TokenSnapshot } from '../auth/token-snapshot.ts';
import { systemClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { createServingApp } from '../http/serving-app.ts';
import type { Feature } from '../models/model-schemas.ts';
import { loadModelSession, resolveProviders, type ModelSession } from '../onnx/onnx-session.ts';
import { SessionPool } from '../onnx/session-pool.ts';
import { loadAssignmentHasher } from '../serving/assignment.ts';
import { PredictService } from '../serving/predict.ts';
import { RouteMirror } from '../serving/route-mirror.ts';
import { TrafficRouter } from '../serving/router.ts';
import { RunningExperiments } from '../serving/running-experiments.ts';
import { ServedOutbox } from '../serving/served-outbox.ts';
import type { FromServingThread, ToServingThread } from '../serving/worker-protocol.ts';

/** How often the outbox posts (ms) and its largest batch (records). */
const OUTBOX_FLUSH_MS = 2;
const OUTBOX_MAX_RECORDS = 1000;

const port = parentPort;
if (!port) throw new Error('compose/serving-worker.ts runs as a worker thread (compose/serving-thread.ts)');
const { config, nice: processNice } = workerData as { config: Config; nice: number };
const logger = createLogger(config.logLevel).child({ thread: 'serving' });
const post = (message: FromServingThread): void => port.postMessage(message);

/**
 * A serving thread restarted after a crash is made by the main thread after it reniced itself
 * (MODELWATCH_CONTROL_PLANE_NICE) and inherits that nice; back to the process's own (the
 * first serving thread's), which needs CAP_SYS_NICE: without it, it stays (the main thread warns).
 */
function restorePriority(): number {
  if (os.getPriority() > processNice) {
    try {
      os.setPriority(processNice);
    } catch {
      // Unprivileged: reported in `listening`.
    }
  }
  return os.getPriority();
}
// First: threads made here later (onnxruntime's) inherit this thread's nice.
const nice = restorePriority();

const sessionOptions = { providers: resolveProviders(config.serving.providers), intraOpThreads: config.serving.intraOpThreads };
const artifacts = new Map<string, { resolve: (a: { bytes: Uint8Array; features: Feature[] }) => void; reject: (e: Error) => void }>();
const pool = new SessionPool();
/** A version this thread lacks: asked of the main thread, built and warmed here. */
const ensureLoaded = (model: string, version: string): Promise<ModelSession> =>
  pool.ensure(model, version, async () => {
    const artifact = await new Promise<{ bytes: Uint8Array; features: Feature[] }>((resolve, reject) => {
      artifacts.set(`${model}\u0000${version}`, { resolve, reject });
      post({ type: 'want', model, version });
    });
    return loadModelSession(artifact.bytes, artifact.features, sessionOptions);
  });

const running = new RunningExperiments();
const router = new TrafficRouter({ pool, ensureLoaded, experiments: running, logger });
await router.init();
const mirror = new RouteMirror({ router, running, hasher: await loadAssignmentHasher(), loaded: (model, version) => pool.get(model, version) !== undefined, ensureLoaded });
const tokens = new TokenSnapshot();
const outbox = new ServedOutbox({ post, flushMs: OUTBOX_FLUSH_MS, maxRecords: OUTBOX_MAX_RECORDS });
let lookups = 0;
const found = new Map<number, (exists: boolean) => void>();
const models = {
  find: (model: string): Promise<object | undefined> =>
    new Promise((resolve) => {
      const id = ++lookups;
      found.set(id, (exists) => resolve(exists ? {} : undefined));
      post({ type: 'find', id, model });
    }),
};
const predictor = new PredictService({ router, log: outbox, metrics: outbox, config: config.serving, models, clock: systemClock, shadow: outbox });
const app = createServingApp({ config, logger, tokens, metrics: { httpDuration: outbox.httpDuration } }, predictor);


async function listen(): Promise<void> {
  await mirror.settled();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(app);
    s.once('error', reject);
    s.listen(config.serving.threadPort ?? 0, config.host, () => resolve(s));
  });
  post({ type: 'listening', port: (server.address() as AddressInfo).port, nice });
}

port.on('message', (message: ToServingThread) => {
  switch (message.type) {
    case 'tokens':
      tokens.replace(message.grants);
      break;
    case 'route':
      void mirror.apply(message.snapshot);
      break;
    case 'artifact':
    case 'artifactFailed': {
      const key = `${message.model}\u0000${message.version}`;
      const waiter = artifacts.get(key);
      artifacts.delete(key);
      if (message.type === 'artifact') waiter?.resolve(message);
      else waiter?.reject(new Error(message.error));
      break;
    }
    case 'found':
      found.get(message.id)?.(message.exists);
      found.delete(message.id);
      break;
    case 'listen':
      listen().catch((error: unknown) => post({ type: 'cannotListen', error: error instanceof Error ? error.message : String(error) }));
      break;
    case 'drain':
      outbox.flush();
      post({ type: 'drained', id: message.id });
      break;
  }
});
