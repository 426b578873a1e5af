/** Shadow release tables (migration 0106_shadow_pairs; serving/shadow-store.ts owns their SQL). */
export interface ShadowsTable {
  id: string;
  model: string;
  version: string;
  /** The champion when the shadow started (what its pairs compare against first). */
  champion: string;
  started_at: number;
  started_by: string;
  stopped_at: number | null;
  stop_reason: string | null;
  /** JSON: the retrain flow's plan (jobs/retrain-shadow.ts); null when a person started it. */
  release: string | null;
  /** JSON: what the release gates decided. */
  outcome: string | null;
}

export interface ShadowPairsTable {
  model: string;
  shadow_version: string;
  champion_version: string;
  bucket_start: number;
  pairs: number;
  abs_diff_sum: number;
  sq_diff_sum: number;
  agree: number;
}
