/**
 * What the monitor needs from other areas, as narrow ports its constructor takes: compose
 * passes the real objects (docs/dev/architecture.md).
 */
import type { AuditLog } from '../audit/audit.ts';
import type { ModelService } from '../models/model-service.ts';

/** The model's champion version, if any (the version registry's alias: a higher layer). */
export interface ChampionLookup {
  champion(model: string): Promise<string | undefined>;
}

/** The model declarations the monitor reads. */
export type ModelCatalog = Pick<ModelService, 'find' | 'list'>;

/** Where saved profiles are recorded. */
export type ProfileAudit = Pick<AuditLog, 'record'>;
