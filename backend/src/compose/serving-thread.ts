import os from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/tokens.ts';
import type { Config } from '../core/config.ts';
import type { ModelService } from '../models/model-service.ts';
import type { VersionRegistry } from '../registry/versions.ts';
import { routeSnapshot } from '../serving/route-mirror.ts';
import type { TrafficRouter } from '../serving/router.ts';
import type { RunningExperiments } from '../serving/running-experiments.ts';
import { receiveServed, type ServedInboxDeps } from '../serving/served-inbox.ts';
import type { FromServingThread, ToServingThread } from '../serving/worker-protocol.ts';

/** Other replicas' token changes reach this replica's cache within 5 s (auth/tokens.ts); the serving thread's copy as soon. */
const TOKEN_REFRESH_MS = 5000;
/** Restart backoff after a crash: doubles from the first to the last, back to the first after a minute up. */
const RESTART_FIRST_MS = 100;
const RESTART_MAX_MS = 30_000;
const STABLE_MS = 60_000;
/** How long shutdown waits for the serving thread's last batch. */
const DRAIN_TIMEOUT_MS = 2000;

/** Starts a worker thread on the entry file (the default makes a Worker; tests keep the one made). */
export type SpawnWorker = (entry: URL, options: WorkerOptions) => Worker;

const spawnWorker: SpawnWorker = (entry, options) => new Worker(entry, options);

/** The worker's entry: the TypeScript source when run from it, the compiled file in dist/ (the container image). */
const workerEntry = (): URL => new URL(`./serving-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export interface ServingThreadDeps {
  config: Config;
  logger: Logger;
  tokens: Pick<TokenService, 'grants' | 'subscribe'>;
  router: Pick<TrafficRouter, 'snapshot' | 'subscribe' | 'models'>;
  running: Pick<RunningExperiments, 'get' | 'subscribe' | 'models'>;
  registry: Pick<VersionRegistry, 'ensureLoaded' | 'artifact'>;
  models: Pick<ModelService, 'find'>;
  /** Where what the serving thread served goes (serving/served-inbox.ts). */
  inbox: ServedInboxDeps;
  spawn?: SpawnWorker | undefined;
}

/**
 * The dedicated serving thread (MODELWATCH_SERVING_PORT): a worker thread answering /predict on
 * its own port and event loop (compose/serving-worker.ts), so ingest, flushes and queries on
 * this one never queue a prediction. This side keeps the worker's copies current (tokens,
 * every route change, artifacts it asks for), takes in what it served, and restarts it after a
 * crash with a bounded backoff; the main port serves /predict throughout.
 */
export class ServingThread {
  private readonly deps: ServingThreadDeps;
  private worker: Worker | undefined;
  private port: number;
  private closing = false;
  private listened = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private tokenTimer: NodeJS.Timeout | undefined;
  private drains = new Map<number, () => void>();
  private drainSeq = 0;
  /** This thread's nice before it reniced itself: the serving thread's. */
  private readonly processNice = os.getPriority();
  private servingNice: number | undefined;
  private warnedNice = false;

  constructor(deps: ServingThreadDeps) {
    this.deps = deps;
    this.port = deps.config.serving.threadPort ?? 0;
    deps.tokens.subscribe(() => void this.sendTokens());
    // Posted at once: the serving thread switches with the main thread (a rollback's next request there too).
    deps.router.subscribe((model) => this.sendRoute(model));
    deps.running.subscribe((models) => {
      for (const model of models) this.sendRoute(model);
    });
  }

  /** Starts the thread; resolves with its URL once it listens with every route applied. */
  async start(): Promise<string> {
    await this.spawn();
    this.reniceControlPlane();
    this.tokenTimer = setInterval(() => void this.sendTokens(), TOKEN_REFRESH_MS);
    this.tokenTimer.unref();
    const host = this.deps.config.host.includes(':') ? `[${this.deps.config.host}]` : this.deps.config.host;
    return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`;
  }

  /** The serving thread's nice as it reported when it last listened (undefined before). */
  get servingThreadNice(): number | undefined {
    return this.servingNice;
  }

  /**
   * Lowers this (the main, control-plane) thread's priority, so on a shared core the serving
   * thread's requests run before ingest, flushes and queries (docs/operations.md). On Linux
   * setpriority(0) sets the calling thread only: the serving thread keeps its nice, and threads
   * made later inherit this one's (compose/serving-worker.ts raises a restarted serving thread
   * back where it can).
   */
  private reniceControlPlane(): void {
    const nice = this.deps.config.serving.controlPlaneNice;
    if (nice === 0) return;
    try {
      os.setPriority(nice);
      this.deps.logger.info({ nice }, 'control plane (main thread) reniced below the serving thread (MODELWATCH_CONTROL_PLANE_NICE)');
    } catch (error) {
      this.deps.logger.warn({ err: error, nice }, 'MODELWATCH_CONTROL_PLANE_NICE: cannot renice the main thread; the control plane keeps the serving thread’s priority');
    }
  }

  /** Resolves once the thread's batched predictions have reached this thread's log. */
  drain(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    const id = ++this.drainSeq;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.finishDrain(id), DRAIN_TIMEOUT_MS);
      this.drains.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      this.post({ type: 'drain', id });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.tokenTimer);
    await this.drain();
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private spawn(): Promise<void> {
    const config = { ...this.deps.config, serving: { ...this.deps.config.serving, threadPort: this.port } };
    const worker = (this.deps.spawn ?? spawnWorker)(workerEntry(), { name: 'serving', workerData: { config, nice: this.processNice } });
    this.worker = worker;
    const started = Date.now();
    const listening = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromServingThread) => {
        if (message.type === 'listening') {
          this.port = message.port;
          this.listened = true;
          this.servingNice = message.nice;
          this.deps.logger.info({ port: message.port, nice: message.nice }, 'serving thread listening');
          if (message.nice > this.processNice && !this.warnedNice) {
            // A restart made by the reniced main thread inherits its nice; raising it back needs CAP_SYS_NICE.
            this.warnedNice = true;
            this.deps.logger.warn({ nice: message.nice }, 'the restarted serving thread runs at the control plane’s nice (raising it back needs CAP_SYS_NICE); set MODELWATCH_CONTROL_PLANE_NICE=0 or grant the capability');
          }
          resolve();
        } else if (message.type === 'cannotListen') {
          reject(new Error(`MODELWATCH_SERVING_PORT=${this.port}: the serving thread cannot listen: ${message.error}`));
          void worker.terminate();
        } else this.receive(worker, message);
      });
      worker.on('error', (error) => {
        this.deps.logger.error({ err: error }, 'serving thread crashed');
        reject(error);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        for (const id of [...this.drains.keys()]) this.finishDrain(id);
        reject(new Error(`serving thread exited with code ${code} before listening`));
        // A first start that fails (the port taken) fails the service's start instead.
        if (this.closing || !this.listened) return;
        this.failures = Date.now() - started > STABLE_MS ? 1 : this.failures + 1;
        const delay = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** (this.failures - 1));
        this.deps.logger.error({ code, restartInMs: delay }, 'serving thread stopped; restarting it (the main port serves /predict meanwhile)');
        this.restartTimer = setTimeout(() => void this.spawn().catch(() => undefined), delay);
        this.restartTimer.unref();
      });
    });
    // The copies first, then listen: the thread's first request sees every route.
    void this.sendTokens().then(() => {
      for (const model of new Set([...this.deps.router.models(), ...this.deps.running.models()])) this.sendRoute(model);
      this.post({ type: 'listen' });
    });
    return listening;
  }

  private receive(worker: Worker, message: Exclude<FromServingThread, { type: 'listening' | 'cannotListen' }>): void {
    switch (message.type) {
      case 'served':
        receiveServed(message, this.deps.inbox);
        break;
      case 'want':
        void this.sendArtifact(worker, message.model, message.version);
        break;
      case 'find':
        void this.deps.models.find(message.model).then(
          (model) => this.post({ type: 'found', id: message.id, exists: model !== undefined }),
          () => this.post({ type: 'found', id: message.id, exists: false }),
        );
        break;
      case 'drained':
        this.finishDrain(message.id);
        break;
    }
  }

  private async sendArtifact(worker: Worker, model: string, version: string): Promise<void> {
    try {
      // Loaded here first: the same checks (validation, contract) decide whether it may serve.
      await this.deps.registry.ensureLoaded(model, version);
      const { bytes, features } = await this.deps.registry.artifact(model, version);
      const copy = new Uint8Array(bytes);
      worker.postMessage({ type: 'artifact', model, version, bytes: copy, features } satisfies ToServingThread, [copy.buffer]);
    } catch (error) {
      worker.postMessage({ type: 'artifactFailed', model, version, error: error instanceof Error ? error.message : String(error) } satisfies ToServingThread);
    }
  }

  private async sendTokens(): Promise<void> {
    try {
      this.post({ type: 'tokens', grants: await this.deps.tokens.grants() });
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'tokens not copied to the serving thread; it keeps the previous ones');
    }
  }

  private sendRoute(model: string): void {
    this.post({ type: 'route', snapshot: routeSnapshot(this.deps.router, this.deps.running, model) });
  }

  private finishDrain(id: number): void {
    const done = this.drains.get(id);
    this.drains.delete(id);
    done?.();
  }

  private post(message: ToServingThread): void {
    this.worker?.postMessage(message);
  }
}
