/**
 * Messages between the main thread and the dedicated serving thread (compose/serving-thread.ts
 * starts it, compose/serving-worker.ts is its entry). Everything is structured-cloned plain
 * data: the serving thread holds copies (tokens, routes, sessions built from the artifact's
 * bytes) and owns no store; what it serves goes back to the main thread in batches.
 */
import type { TokenGrant } from '../auth/tokens.ts';
import type { Feature } from '../models/model-schemas.ts';
import type { Allocation } from './assignment.ts';
import type { PredictionRecord } from './prediction-log.ts';
import type { ModelRoute } from './router.ts';
import type { PredictionErrorType } from './serving-metrics.ts';
import type { ShadowJob } from './shadow-scorer.ts';

/** A model's running experiment as data: the serving thread rebuilds its arm router from salt and allocation. */
export interface ExperimentSnapshot {
  experimentId: string;
  arms: Array<{ name: string; version: string }>;
  salt: string;
  allocation: Allocation;
}

/** Everything that decides a model's version per request, swapped whole on the serving thread. */
export interface RouteSnapshot {
  model: string;
  route: ModelRoute;
  experiment: ExperimentSnapshot | null;
}

/** One serving-metric call of the serving thread, replayed on the main thread's ServingMetrics. */
export type MetricCall =
  | { kind: 'answered'; model: string; version: string; count: number; nonFinite: number; seconds: number }
  | { kind: 'failed'; model: string; version: string | undefined; type: PredictionErrorType; count: number; seconds: number | undefined }
  | { kind: 'batch'; rows: number }
  | { kind: 'http'; method: string; route: string; status: string; seconds: number };

/** A champion request for the shadow, without the session (the main thread's scorer scores it with its own). */
export type ShadowOffer = Omit<ShadowJob, 'shadow'> & { shadowVersion: string };

/** What the serving thread served since its last batch. */
export interface ServedBatch {
  type: 'served';
  records: Array<{ model: string; record: PredictionRecord }>;
  metrics: MetricCall[];
  shadows: ShadowOffer[];
}

export type ToServingThread =
  | { type: 'tokens'; grants: TokenGrant[] }
  | { type: 'route'; snapshot: RouteSnapshot }
  | { type: 'artifact'; model: string; version: string; bytes: Uint8Array; features: Feature[] }
  | { type: 'artifactFailed'; model: string; version: string; error: string }
  | { type: 'found'; id: number; exists: boolean }
  /** Every snapshot is sent: apply the pending ones, then listen. */
  | { type: 'listen' }
  /** Send what is batched now and answer `drained` (flush, shutdown). */
  | { type: 'drain'; id: number };

export type FromServingThread =
  | ServedBatch
  /** Listening, at this nice (0 unless a restart inherited the reniced main thread's and could not raise it back). */
  | { type: 'listening'; port: number; nice: number }
  /** It cannot listen (the port is taken): the service's start fails with this. */
  | { type: 'cannotListen'; error: string }
  /** The serving thread needs this version's artifact (a route names it, or traffic was assigned to it). */
  | { type: 'want'; model: string; version: string }
  | { type: 'find'; id: number; model: string }
  | { type: 'drained'; id: number };
