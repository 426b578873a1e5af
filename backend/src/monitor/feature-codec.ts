/**
 * How a prediction's features are stored raw: the model's declared numeric features as a
 * binary vector (a 4-byte layout id, then one little-endian float64 per feature in declared
 * order, NaN for missing), and every other key (categorical, undeclared) as JSON text, null
 * when there is none. Against JSON for everything: no number formatting on the ingest hot
 * path and rows less than half the size (measured in bench/ingest).
 *
 * The layout id is a hash of the numeric feature names; the names themselves are kept in
 * `feature_layouts`, so rows stay readable if the declared features ever change.
 */

/** FNV-1a over the names, as an unsigned 32-bit id. */
export function layoutId(names: readonly string[]): number {
  let h = 0x811c9dc5;
  const text = JSON.stringify(names);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class FeatureEncoder {
  readonly names: readonly string[];
  readonly id: number;
  private readonly index: Map<string, number>;
  private readonly view: DataView;
  /** Reused for every record: node:sqlite copies bound blobs; copy() for other consumers. */
  readonly bytes: Uint8Array;

  constructor(numericNames: readonly string[]) {
    this.names = [...numericNames];
    this.id = layoutId(this.names);
    this.index = new Map(this.names.map((n, i) => [n, i]));
    const buffer = new ArrayBuffer(4 + 8 * this.names.length);
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  /**
   * Writes the numeric vector of `features` into `bytes` and returns the JSON of the other
   * keys (null when none). Values must have been validated (numbers or null/undefined).
   */
  encode(features: Readonly<Record<string, unknown>>): string | null {
    const view = this.view;
    const names = this.names;
    view.setUint32(0, this.id, true);
    let present = 0;
    for (let i = 0; i < names.length; i++) {
      const v = features[names[i]!];
      if (typeof v === 'number' || v === null) present++;
      view.setFloat64(4 + 8 * i, typeof v === 'number' ? v : Number.NaN, true);
    }
    // No other keys (the common case) when the object has no more than the numeric ones
    // present: counting its keys costs less than looking each up in the index.
    let keys = 0;
    for (const _key in features) keys++;
    if (keys === present) return null;
    let extra: Record<string, unknown> | null = null;
    const index = this.index;
    for (const key in features) {
      if (index.has(key)) continue;
      (extra ??= {})[key] = features[key];
    }
    return extra === null ? null : JSON.stringify(extra);
  }

  /** A copy of the last encoded vector. */
  copy(): Uint8Array {
    return this.bytes.slice();
  }
}

/** The layout id of a stored vector. */
export function storedLayoutId(blob: Uint8Array): number {
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(0, true);
}

/** Features object of a stored row: numeric values (NaN → null) and the extra keys. */
export function decodeFeatures(blob: Uint8Array | null, extra: string | null, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (blob && blob.byteLength >= 4) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const n = Math.min(names.length, (blob.byteLength - 4) >> 3);
    for (let i = 0; i < n; i++) {
      const v = view.getFloat64(4 + 8 * i, true);
      out[names[i]!] = Number.isNaN(v) ? null : v;
    }
  }
  if (extra) Object.assign(out, JSON.parse(extra) as Record<string, unknown>);
  return out;
}
