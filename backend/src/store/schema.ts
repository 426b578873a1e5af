import type { Generated } from 'kysely';

/**
 * Tables, as Kysely sees them. Portable types only: text, integer, bigint (epoch ms),
 * double precision; JSON is stored as text; booleans as 0/1 integers. Each area adds its
 * tables here and a migration in ./migrations.
 */
export interface TokensTable {
  id: string;
  name: string;
  role: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ModelsTable {
  name: string;
  task: string;
  /** JSON: [{name, type}] in declared order. */
  features: string;
  description: string | null;
  /** JSON: per-model settings (drift thresholds, health rules, ...). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface AuditTable {
  seq: Generated<number>;
  id: string;
  created_at: number;
  /** What happened: model.created, promote, rollback, retrain, webhook.received, ... */
  type: string;
  status: string;
  model: string | null;
  actor: string;
  reason: string | null;
  from_version: string | null;
  to_version: string | null;
  job_id: string | null;
  /** JSON with anything specific to the type. */
  details: string;
}

export interface Database {
  tokens: TokensTable;
  models: ModelsTable;
  audit: AuditTable;
}
