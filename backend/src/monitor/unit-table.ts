/**
 * The units of one (model, version, arm) in UnitBucketBuffer (unit-buckets.ts): an
 * open-addressing table over typed arrays, so that a record's lookup allocates nothing and
 * a unit costs ~60 bytes of arrays (beside its id string) instead of a Map entry and an
 * object (bench/ingest --unit-ids, docs/benchmarks.md "Ingest with unit ids").
 *
 * A unit id is hashed once per lookup into 64 bits: FNV-1a (whose mixed value also gives the
 * unit's bucket, unitBucket) and a second multiplicative hash with another prime and seed.
 * Its slot comes from the second. A slot matches when both hashes and then the stored id
 * are equal: two ids share both hashes with probability ~n²/2⁶⁵ among n units (7·10⁻⁹ at
 * 500,000), and even then the id comparison keeps them apart, so the table is exact.
 */

/** murmur3's 32-bit finaliser. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the id's UTF-16 code units: the hash unitBucket mixes (fixed: stored buckets depend on it). */
export function fnv1a(unit: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unit.length; i++) h = Math.imul(h ^ unit.charCodeAt(i), 0x01000193);
  return h;
}

/** The bucket of an FNV-1a hash among `buckets`. */
export const bucketOfHash = (h: number, buckets: number): number => fmix(h) % buckets;

const EMPTY = 0;

/** A unit's entry in UnitTable.state (STATE numbers from index × STATE): its unflushed sighting (NaN: none), what this process committed (±Infinity: nothing remembered). */
export const FIRST = 0;
export const LAST_HOUR = 1;
export const WRITTEN_FIRST = 2;
export const WRITTEN_LAST_HOUR = 3;
export const STATE = 4;
/** A slot: the unit's index + 1 (EMPTY: free), its two hashes, a pad (16 bytes: one cache line holds a probe's reads). */
const SLOT = 4;

export class UnitTable {
  /** Units held; an index in [0, size) names one in `units`, `bucket` and `state` (at index × STATE + FIRST …). */
  size = 0;
  units: string[] = [];
  bucket: Uint16Array;
  state: Float64Array;

  /** At most half the slots used. */
  private slots: Int32Array;
  private mask: number;
  private readonly buckets: number;

  constructor(buckets: number, capacity = 16) {
    this.buckets = buckets;
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots * SLOT);
    this.bucket = new Uint16Array(slots >>> 1);
    this.state = new Float64Array((slots >>> 1) * STATE);
  }

  /** The unit's index, or -1 when it is not held. */
  find(unit: string): number {
    return this.lookUp(unit, false);
  }

  /** The unit's index, added (nothing sighted, nothing committed) when it is not held. */
  indexOf(unit: string): number {
    return this.lookUp(unit, true);
  }

  private lookUp(unit: string, add: boolean): number {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < unit.length; i++) {
      const c = unit.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    b = fmix(b) | 0;
    const slots = this.slots;
    const mask = this.mask;
    for (let s = b & mask; ; s = (s + 1) & mask) {
      const at = slots[s * SLOT]!;
      if (at === EMPTY) return add ? this.insert(s, unit, a, b) : -1;
      if (slots[s * SLOT + 2] === b && slots[s * SLOT + 1] === a && this.units[at - 1] === unit) return at - 1;
    }
  }

  private insert(slot: number, unit: string, a: number, b: number): number {
    const i = this.size++;
    if (i === this.bucket.length) this.growUnits();
    this.units.push(unit);
    this.bucket[i] = bucketOfHash(a, this.buckets);
    const st = this.state;
    st[i * STATE + FIRST] = Number.NaN;
    st[i * STATE + LAST_HOUR] = Number.NaN;
    st[i * STATE + WRITTEN_FIRST] = Infinity;
    st[i * STATE + WRITTEN_LAST_HOUR] = -Infinity;
    this.slots[slot * SLOT] = i + 1;
    this.slots[slot * SLOT + 1] = a;
    this.slots[slot * SLOT + 2] = b;
    if (this.size * 2 > this.mask + 1) this.growSlots();
    return i;
  }

  private growUnits(): void {
    const bucket = new Uint16Array(this.bucket.length * 2);
    bucket.set(this.bucket);
    this.bucket = bucket;
    const state = new Float64Array(this.state.length * 2);
    state.set(this.state);
    this.state = state;
  }

  private growSlots(): void {
    const old = this.slots;
    const count = ((this.mask + 1) * 2) | 0;
    const mask = count - 1;
    const slots = new Int32Array(count * SLOT);
    for (let s = 0; s < old.length; s += SLOT) {
      if (old[s] === EMPTY) continue;
      let t = old[s + 2]! & mask;
      while (slots[t * SLOT] !== EMPTY) t = (t + 1) & mask;
      slots.set(old.subarray(s, s + SLOT), t * SLOT);
    }
    this.slots = slots;
    this.mask = mask;
  }
}
