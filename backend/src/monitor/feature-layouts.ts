/** The names behind stored feature vectors (table `feature_layouts`), cached per process. */
import type { Store } from '../store/database.ts';
import { decodeFeatures, storedLayoutId, type FeatureEncoder } from './feature-codec.ts';

export class FeatureLayouts {
  private readonly store: Store;
  private readonly known = new Map<string, readonly string[]>();

  constructor(store: Store) {
    this.store = store;
  }

  /** Records the encoder's layout once (idempotent, also across processes). */
  async ensure(model: string, encoder: FeatureEncoder): Promise<void> {
    const key = `${model}\u0000${encoder.id}`;
    if (this.known.has(key)) return;
    await this.store.db
      .insertInto('feature_layouts')
      .values({ model, layout_id: encoder.id, names: JSON.stringify(encoder.names), created_at: Date.now() })
      .onConflict((oc) => oc.columns(['model', 'layout_id']).doNothing())
      .execute();
    this.known.set(key, encoder.names);
  }

  async names(model: string, id: number): Promise<readonly string[]> {
    const key = `${model}\u0000${id}`;
    const hit = this.known.get(key);
    if (hit) return hit;
    const row = await this.store.db
      .selectFrom('feature_layouts')
      .select('names')
      .where('model', '=', model)
      .where('layout_id', '=', id)
      .executeTakeFirst();
    const names = row ? (JSON.parse(row.names) as string[]) : [];
    this.known.set(key, names);
    return names;
  }

  /** Decodes stored rows' features (loading the layouts they use). */
  async decode(model: string, rows: ReadonlyArray<{ features: Uint8Array | null; extra: string | null }>): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let lastId = -1;
    let names: readonly string[] = [];
    for (const r of rows) {
      const blob = r.features;
      if (blob && blob.byteLength >= 4) {
        const id = storedLayoutId(blob);
        if (id !== lastId) {
          names = await this.names(model, id);
          lastId = id;
        }
      }
      out.push(decodeFeatures(blob, r.extra, names));
    }
    return out;
  }
}
