/**
 * Reference profiles per model version (table `reference_profiles`), with a small cache:
 * ingest bins every record against its version's profile, so lookups must be free. Profiles
 * saved by this process are seen at once; saved by another process, within `cacheMs`.
 * Cached profile objects are kept as they are (never copied), so rollup-layout's per-object
 * compile cache stays warm.
 */
import { describeZodError } from '../core/zod-errors.ts';
import { invalid, notFound } from '../core/errors.ts';
import type { Store } from '../store/database.ts';
import { compileProfile } from './rollup-layout.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { parseProfile } from '../core/profile-schema.ts';
import type { ChampionLookup, ModelCatalog } from './ports.ts';

export interface ProfileSummary {
  version: string;
  source: string;
  rows: number;
  layout: string;
  createdAt: string;
  updatedAt: string;
  features: number;
}

export interface EffectiveProfile {
  profile: ReferenceProfile;
  /** Whose profile it is: the version itself, or the champion it fell back to. */
  version: string;
}

export interface ProfileStoreOptions {
  cacheMs?: number;
}

interface CacheEntry {
  profile: ReferenceProfile | undefined;
  updatedAt: number;
  at: number;
}

export class ProfileStore {
  private readonly store: Store;
  private readonly models: ModelCatalog;
  /** The champion's profile serves versions without one of their own. */
  private readonly championLookup: ChampionLookup;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly champions = new Map<string, { version: string | undefined; at: number }>();

  constructor(store: Store, models: ModelCatalog, championLookup: ChampionLookup, options: ProfileStoreOptions = {}) {
    this.store = store;
    this.models = models;
    this.championLookup = championLookup;
    this.cacheMs = options.cacheMs ?? 30_000;
  }

  /**
   * Validates and stores (or replaces) a version's profile. Its features must be declared by
   * the model with the same types. Rollups counted over a replaced profile's bins stay in
   * the store but no longer take part in drift (their layout differs).
   */
  async save(model: string, version: string, profile: ReferenceProfile): Promise<void> {
    const parsed = parseProfile(profile);
    if (!parsed.success) throw invalid(describeZodError(parsed.error, 'profile'));
    const valid = parsed.data;
    const declared = await this.models.find(model);
    if (!declared) throw notFound(`model "${model}" not found; create it with POST /api/v1/models`);
    const types = new Map(declared.features.map((f) => [f.name, f.type]));
    valid.features.forEach((f, i) => {
      const type = types.get(f.name);
      if (type === undefined) throw invalid(`profile.features[${i}].name: "${f.name}" is not a feature of model "${model}"`);
      if (type !== f.type) throw invalid(`profile.features[${i}].type: "${f.name}" is declared ${type}, the profile says ${f.type}`);
    });
    if (!version || version.length > 128) throw invalid('version: must be 1 to 128 characters');
    const now = Date.now();
    const row = {
      model,
      version,
      layout: compileProfile(valid).layout.id,
      source: valid.source,
      rows: valid.rows,
      profile: JSON.stringify(valid),
      created_at: now,
      updated_at: now,
    };
    await this.store.db
      .insertInto('reference_profiles')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['model', 'version']).doUpdateSet({
          layout: row.layout,
          source: row.source,
          rows: row.rows,
          profile: row.profile,
          updated_at: now,
        }),
      )
      .execute();
    this.cache.set(key(model, version), { profile: valid, updatedAt: now, at: Date.now() });
  }

  /** A version's own profile. */
  async get(model: string, version: string): Promise<ReferenceProfile | undefined> {
    const k = key(model, version);
    const hit = this.cache.get(k);
    const now = Date.now();
    if (hit && now - hit.at < this.cacheMs) return hit.profile;
    const row = await this.store.db
      .selectFrom('reference_profiles')
      .select(['profile', 'updated_at'])
      .where('model', '=', model)
      .where('version', '=', version)
      .executeTakeFirst();
    // Keep the cached object when the row did not change.
    const updatedAt = row ? Number(row.updated_at) : 0;
    let profile: ReferenceProfile | undefined;
    if (row) profile = hit?.profile && hit.updatedAt === updatedAt ? hit.profile : (JSON.parse(row.profile) as ReferenceProfile);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(k, { profile, updatedAt, at: now });
    return profile;
  }

  /**
   * The profile a version's features are counted over: its own, else its model's
   * champion's, else none. The same rule is applied at ingest and at query time.
   */
  async effective(model: string, version: string): Promise<EffectiveProfile | undefined> {
    const own = await this.get(model, version);
    if (own) return { profile: own, version };
    const champion = await this.champion(model);
    if (champion === undefined || champion === version) return undefined;
    const fallback = await this.get(model, champion);
    return fallback ? { profile: fallback, version: champion } : undefined;
  }

  async list(model: string): Promise<ProfileSummary[]> {
    const rows = await this.store.db
      .selectFrom('reference_profiles')
      .select(['version', 'source', 'rows', 'layout', 'profile', 'created_at', 'updated_at'])
      .where('model', '=', model)
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      source: r.source,
      rows: Number(r.rows),
      layout: r.layout,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
      features: (JSON.parse(r.profile) as ReferenceProfile).features.length,
    }));
  }

  /** Forgets cached entries (all, or one model's), e.g. after the champion changed. */
  invalidate(model?: string): void {
    if (model === undefined) {
      this.cache.clear();
      this.champions.clear();
      return;
    }
    for (const k of this.cache.keys()) if (k.startsWith(`${model}\u0000`)) this.cache.delete(k);
    this.champions.delete(model);
  }

  private async champion(model: string): Promise<string | undefined> {
    const hit = this.champions.get(model);
    const now = Date.now();
    if (hit && now - hit.at < this.cacheMs) return hit.version;
    let version: string | undefined;
    try {
      version = await this.championLookup.champion(model);
    } catch {
      version = undefined;
    }
    this.champions.set(model, { version, at: now });
    return version;
  }
}

const key = (model: string, version: string): string => `${model}\u0000${version}`;
