/**
 * What the retrain job uses of lower areas, each declared as exactly the calls it makes;
 * compose/jobs.ts passes the real services (the type checker verifies that they fit).
 */
import type { Actor } from '../auth/roles.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import type { Model } from '../models/model-schemas.ts';
import type { ModelSession } from '../onnx/onnx-session.ts';
import type { LabelKind, LabelledRowLike } from './dataset.ts';

/** The model and its settings (models/). */
export interface ModelLookup {
  get(name: string): Promise<Model>;
}

/** The monitor's training exports: labelled rows to train on, served traffic for the reference profile. */
export interface TrainingTraffic {
  exportLabelledRows(model: string, q: { from: number; to: number; label: LabelKind }): AsyncIterable<LabelledRowLike>;
  trafficSample(model: string, q: { from: number; to: number }): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A trained candidate as the registry takes it. */
export interface CandidateVersion {
  artifact: Uint8Array;
  metrics: Record<string, unknown>;
  lineage: { parentVersion?: string; jobId: string; dataWindow: { from: number; to: number } };
  validation: 'passed' | 'failed';
  description: string;
  reference?: { profile: ReferenceProfile };
}

/** The version registry: the champion to compare with, and registering the candidate. */
export interface CandidateRegistry {
  aliases(model: string): Promise<{ champion?: string }>;
  ensureLoaded(model: string, version: string): Promise<ModelSession>;
  register(model: string, input: CandidateVersion, actor: string): Promise<{ version: string; warnings?: string[] }>;
  setValidation(model: string, version: string, status: 'passed' | 'failed', details: Record<string, unknown>, actor: string): Promise<unknown>;
  setAlias(model: string, alias: 'challenger', version: string, actor: string, reason: string): Promise<unknown>;
}

/** The canary experiment a retrain may start (settings.retrain.onSuccess "canary"). */
export interface CanaryExperimentInput {
  model: string;
  arms: Array<{ name: string; version: string; weight: number }>;
  primaryMetric: string;
  autoDecide: boolean;
  guardrails: Array<{ metric: string; margin: number; direction?: 'higher' | 'lower' | undefined; difference?: 'relative' | 'absolute' | undefined }>;
  description: string;
}

/** Starting an experiment (experiments/: ExperimentService.create). */
export interface CanaryExperiments {
  create(input: CanaryExperimentInput, actor: Actor): Promise<{ experiment: { id: string } }>;
}
