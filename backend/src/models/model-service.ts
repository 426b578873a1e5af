import type { Actor } from '../auth/roles.ts';
import type { AuditLog } from '../audit/audit.ts';
import { conflict, notFound } from '../core/errors.ts';
import { fromJson, toJson, type Store } from '../store/database.ts';
import type { ModelsTable } from '../store/schema.ts';
import type { CreateModelInput, Feature, Model } from './model-schemas.ts';
import { assertMayChangeSettings, keepStoredSecrets, redactSettings } from './settings-privileges.ts';

/**
 * Checks a model's settings before they are stored (each area owns the rules of its part;
 * compose/model-settings.ts joins them), throwing a DomainError that names the field.
 */
export type SettingsValidator = (settings: Record<string, unknown>) => void;

/** Models: what is watched, with its declared features. */
export class ModelService {
  private readonly store: Store;
  private readonly audit: AuditLog;
  private readonly validateSettings: SettingsValidator;
  /** The most canary traffic (percent) a non-admin may configure (core/config.ts). */
  private readonly editorMaxTreatmentPercent: number;

  constructor(store: Store, audit: AuditLog, validateSettings: SettingsValidator, editorMaxTreatmentPercent: number) {
    this.store = store;
    this.audit = audit;
    this.validateSettings = validateSettings;
    this.editorMaxTreatmentPercent = editorMaxTreatmentPercent;
  }

  async create(input: CreateModelInput, actor: Actor): Promise<Model> {
    this.validateSettings(input.settings ?? {});
    assertMayChangeSettings(undefined, input.settings ?? {}, actor, this.editorMaxTreatmentPercent);
    const now = Date.now();
    const row: ModelsTable = {
      name: input.name,
      task: input.task,
      features: toJson(input.features),
      description: input.description ?? null,
      settings: toJson(input.settings ?? {}),
      created_at: now,
      updated_at: now,
    };
    await this.store.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('models').select('name').where('name', '=', input.name).executeTakeFirst();
      if (existing) throw conflict(`model "${input.name}" already exists`);
      await trx.insertInto('models').values(row).execute();
      await this.audit.record(
        { type: 'model.created', model: input.name, actor, details: { features: input.features.length } },
        trx,
      );
    });
    return toModel(row);
  }

  async list(): Promise<Model[]> {
    const rows = await this.store.db.selectFrom('models').selectAll().orderBy('name').execute();
    return rows.map(toModel);
  }

  async find(name: string): Promise<Model | undefined> {
    const row = await this.store.db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toModel(row) : undefined;
  }

  async get(name: string): Promise<Model> {
    const model = await this.find(name);
    if (!model) throw notFound(`model "${name}" not found; create it with POST /api/v1/models`);
    return model;
  }

  async updateSettings(name: string, input: Record<string, unknown>, actor: Actor): Promise<Model> {
    const current = await this.get(name);
    const settings = keepStoredSecrets(current.settings, input);
    this.validateSettings(settings);
    assertMayChangeSettings(current.settings, settings, actor, this.editorMaxTreatmentPercent);
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('models')
        .set({ settings: toJson(settings), updated_at: Date.now() })
        .where('name', '=', name)
        .execute();
      await this.audit.record({ type: 'model.settings_updated', model: name, actor, details: { settings: redactSettings(settings) } }, trx);
    });
    return this.get(name);
  }
}

/** A model as routes show it: secret settings replaced by their fingerprint. */
export const publicModel = (model: Model): Model => ({ ...model, settings: redactSettings(model.settings) });

function toModel(row: ModelsTable): Model {
  return {
    name: row.name,
    task: row.task,
    features: fromJson<Feature[]>(row.features, []),
    description: row.description,
    settings: fromJson<Record<string, unknown>>(row.settings, {}),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}
