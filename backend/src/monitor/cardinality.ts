/**
 * Bounded cardinality by design (issue 16; docs/monitoring.md#bounded-cardinality): which
 * (version, arm) key a prediction is counted under, decided once at ingest, before its raw
 * row is written, so its rollups, outcomes, replays and exports all agree.
 *
 * - Registered versions with the built-in arms, and each of the model's recent experiments'
 *   (version, arm) pairs, always keep their key: editors create those.
 * - Any other key is kept as sent while the model has fewer than `maxUnregisteredKeys` such
 *   keys with rollups inside the ingest window (a version need not be registered to be
 *   watched, and producers name their own arms); the set is read from the store, so a
 *   restart does not reopen it, and it slides with the window.
 * - Past the cap, an unknown version is counted as OTHER, an arm that is neither built in
 *   nor its version's experiment arm as OTHER: keys stay within (registered + 1) ×
 *   (built-in arms + 1) + the experiments' arms + the cap, whatever producers send.
 *   (Replicas each admit keys until they re-read the store: N replicas admit at most N × the cap.)
 */
import type { Store } from '../store/database.ts';
import type { PredictionRecord } from './ingest-records.ts';
import { BUILT_IN_ARMS as BUILT_IN_ARM_NAMES, HOUR_MS, seriesKey } from './rollup.ts';

/**
 * The bucket's version and arm name. Version and arm names start with a letter or digit
 * (registry/version-schemas.ts, experiments/experiment-schemas.ts), so it names no real one.
 */
export const OTHER = '__other__';

const BUILT_IN_ARMS: ReadonlySet<string> = new Set(BUILT_IN_ARM_NAMES);

/** A record with an unknown key re-reads the registry and experiments at most this often. */
const CONFIGURED_REFRESH_MS = 1000;
/** How often the admitted unregistered keys are re-read from the store (other replicas', the window sliding). */
const ADMITTED_RELOAD_MS = 5 * 60_000;
/** Distinct stored keys read beyond the cap (registered ones among them). */
const STORED_KEYS_SLACK = 10_000;

/** What the monitor reads from the registry and the experiments (a port: compose fills it). */
export interface ConfiguredKeys {
  /** Names of the model's registered versions. */
  versions(model: string): Promise<Iterable<string>>;
  /** The arms (name and version) of the model's running and recent experiments. */
  arms(model: string): Promise<Iterable<{ name: string; version: string }>>;
}

export interface CardinalityLimits {
  /** Unregistered (version, arm) keys per model kept as sent; 0: every one is bucketed. */
  maxUnregisteredKeys: number;
  /** How far back stored keys count: the ingest window (MODELWATCH_INGEST_MAX_AGE). */
  windowMs: number;
}

/** What assign() did to a batch. */
export interface KeyDecision {
  /** Batch positions of the records kept under a key that is not registered or configured (within the cap). */
  kept: number[];
  /** Batch positions (record.index) of the records now counted under OTHER (version, arm or both). */
  bucketed: number[];
}

interface ModelKeys {
  versions: Set<string>;
  /** The experiments' arms as `version\0arm`. */
  pairs: Set<string>;
  configuredAt: number;
  /** Unregistered keys kept as sent (`version\0arm`). */
  admitted: Set<string>;
  /** Those admitted here since the last reload (maybe not flushed yet). */
  recent: Set<string>;
  admittedAt: number;
}

export class SeriesKeys {
  private readonly store: Store;
  private readonly configured: ConfiguredKeys;
  private readonly limits: CardinalityLimits;
  private readonly wallNow: () => number;
  private readonly models = new Map<string, Promise<ModelKeys>>();

  constructor(store: Store, configured: ConfiguredKeys, limits: CardinalityLimits, wallNow: () => number = Date.now) {
    this.store = store;
    this.configured = configured;
    this.limits = limits;
    this.wallNow = wallNow;
  }

  /**
   * Puts each record under its key (mutating version/arm of those bucketed). `now` is data
   * time: the stored keys counted are those of the ingest window before it.
   */
  async assign(model: string, records: readonly Pick<PredictionRecord, 'index' | 'version' | 'arm'>[], now: number): Promise<KeyDecision> {
    const decision: KeyDecision = { kept: [], bucketed: [] };
    let keys = await this.keysOf(model, now);
    let refreshed = false;
    for (const r of records) {
      const key = seriesKey(r.version, r.arm);
      if (isKnown(keys, r.version, r.arm, key)) continue;
      if (keys.admitted.has(key)) {
        decision.kept.push(r.index);
        continue;
      }
      // A version registered or an experiment started since the last read (once per batch).
      if (!refreshed && this.wallNow() - keys.configuredAt >= CONFIGURED_REFRESH_MS) {
        refreshed = true;
        keys = await this.refreshConfigured(model, keys);
        if (isKnown(keys, r.version, r.arm, key)) continue;
        if (keys.admitted.has(key)) {
          decision.kept.push(r.index);
          continue;
        }
      }
      if (keys.admitted.size < this.limits.maxUnregisteredKeys) {
        keys.admitted.add(key);
        keys.recent.add(key);
        decision.kept.push(r.index);
        continue;
      }
      if (!keys.versions.has(r.version)) r.version = OTHER;
      if (!BUILT_IN_ARMS.has(r.arm) && !keys.pairs.has(seriesKey(r.version, r.arm))) r.arm = OTHER;
      decision.bucketed.push(r.index);
    }
    return decision;
  }

  private async keysOf(model: string, now: number): Promise<ModelKeys> {
    for (;;) {
      const cached = this.models.get(model);
      if (cached === undefined) return this.startLoad(model, now, undefined);
      const keys = await cached;
      if (this.wallNow() - keys.admittedAt < ADMITTED_RELOAD_MS) return keys;
      // One reload at a time: a batch that finds another one started waits for it.
      if (this.models.get(model) === cached) return this.startLoad(model, now, keys);
    }
  }

  private startLoad(model: string, now: number, previous: ModelKeys | undefined): Promise<ModelKeys> {
    const loading = this.load(model, now, previous);
    this.models.set(model, loading);
    loading.catch(() => {
      if (this.models.get(model) === loading) this.models.delete(model);
    });
    return loading;
  }

  private async load(model: string, now: number, previous: ModelKeys | undefined): Promise<ModelKeys> {
    const [configured, stored] = await Promise.all([
      this.readConfigured(model),
      storedKeys(this.store, model, now - this.limits.windowMs, this.limits.maxUnregisteredKeys + STORED_KEYS_SLACK),
    ]);
    const at = this.wallNow();
    const keys: ModelKeys = { ...configured, configuredAt: at, admitted: new Set(previous?.recent ?? []), recent: new Set(), admittedAt: at };
    for (const k of stored) {
      if (keys.admitted.size >= this.limits.maxUnregisteredKeys) break;
      const key = seriesKey(k.version, k.arm);
      if (!isKnown(keys, k.version, k.arm, key)) keys.admitted.add(key);
    }
    return keys;
  }

  private async refreshConfigured(model: string, keys: ModelKeys): Promise<ModelKeys> {
    const { versions, pairs } = await this.readConfigured(model);
    keys.versions = versions;
    keys.pairs = pairs;
    keys.configuredAt = this.wallNow();
    return keys;
  }

  private async readConfigured(model: string): Promise<{ versions: Set<string>; pairs: Set<string> }> {
    const [versions, arms] = await Promise.all([this.configured.versions(model), this.configured.arms(model)]);
    const pairs = new Set<string>();
    for (const a of arms) pairs.add(seriesKey(a.version, a.name));
    return { versions: new Set(versions), pairs };
  }
}

/** An experiment's arm, or a registered version (or the bucket) with a built-in arm (or the bucket). */
function isKnown(keys: ModelKeys, version: string, arm: string, key: string): boolean {
  return keys.pairs.has(key) || ((keys.versions.has(version) || version === OTHER) && (BUILT_IN_ARMS.has(arm) || arm === OTHER));
}

/** Distinct (version, arm) of the model's hour rollups since `from` (at most `limit`). */
async function storedKeys(store: Store, model: string, from: number, limit: number): Promise<{ version: string; arm: string }[]> {
  return store.db
    .selectFrom('rollups')
    .select(['version', 'arm'])
    .distinct()
    .where('model', '=', model)
    .where('bucket_ms', '=', HOUR_MS)
    .where('bucket_start', '>=', Math.floor(from / HOUR_MS) * HOUR_MS)
    .limit(limit)
    .execute();
}
