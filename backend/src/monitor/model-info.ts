/** The declarations ingest and queries need per model, cached for a few seconds. */
import { DomainError } from '../core/errors.ts';
import type { Feature } from '../models/model-schemas.ts';
import { FeatureEncoder } from './feature-codec.ts';
import type { ModelCatalog } from './ports.ts';

export interface ModelInfo {
  features: Feature[];
  settings: Record<string, unknown>;
  /** Stores the declared numeric features of raw predictions (feature-codec.ts). */
  encoder: FeatureEncoder;
  at: number;
}

export class ModelInfoCache {
  private readonly models: ModelCatalog;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, ModelInfo>();

  constructor(models: ModelCatalog, cacheMs: number) {
    this.models = models;
    this.cacheMs = cacheMs;
  }

  /** The model's declarations; not_found when there is no such model. */
  async get(model: string): Promise<ModelInfo> {
    const hit = this.cache.get(model);
    const now = Date.now();
    if (hit && now - hit.at < this.cacheMs) return hit;
    const found = await this.models.find(model);
    if (!found) throw new DomainError('not_found', `model "${model}" not found; create it with POST /api/v1/models`);
    const numeric = found.features.filter((f) => f.type === 'numeric').map((f) => f.name);
    // Same numeric features: keep the encoder (its layout id stays the one already stored).
    const encoder = hit && hit.encoder.names.join('\u0000') === numeric.join('\u0000') ? hit.encoder : new FeatureEncoder(numeric);
    const info = { features: found.features, settings: found.settings, encoder, at: now };
    this.cache.set(model, info);
    return info;
  }

  /** Forgets cached model declarations (after settings changed in this process). */
  invalidate(model?: string): void {
    if (model === undefined) this.cache.clear();
    else this.cache.delete(model);
  }
}
