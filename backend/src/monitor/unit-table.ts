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
 * 500,000), and even then the id comparison keeps them apart, so the table is exact. The
 * ids are kept as UTF-16 code units in one pool (not as strings): a lookup reads its slot,
 * the id's code units and the unit's state, three cache lines (the buffer keeps the ids of
 * units with an unflushed sighting as strings, for their exposures).
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
/** A slot's four int32s (16 bytes: one cache line holds a probe's reads). */
const SLOT = 4;

export class UnitTable {
  /** Units held; an index in [0, size) names one in `state` (at index × STATE + FIRST …). */
  size = 0;
  state: Float64Array;

  /** At most half the slots used; a slot: [unit index + 1 (EMPTY: free), hash a, hash b, pool offset]. */
  private slots: Int32Array;
  private mask: number;
  /** Per unit id: its length, then its code units. */
  private pool: Uint16Array;
  private poolEnd = 0;
  private readonly buckets: number;
  /** The bucket of the unit the last lookUp found or added. */
  bucket = 0;

  constructor(buckets: number, capacity = 16) {
    this.buckets = buckets;
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots * SLOT);
    this.state = new Float64Array((slots >>> 1) * STATE);
    this.pool = new Uint16Array(slots * 8);
  }

  /** The unit's index, or -1 when it is not held. */
  find(unit: string): number {
    return this.lookUp(unit, false);
  }

  /** The unit's index, added (nothing sighted, nothing committed) when it is not held; its bucket in `bucket`. */
  indexOf(unit: string): number {
    return this.lookUp(unit, true);
  }

  private lookUp(unit: string, add: boolean): number {
    // As int32s, as the slots hold them (an empty id takes no step of the loop).
    let a = 0x811c9dc5 | 0;
    let b = 0x9747b28c | 0;
    const n = unit.length;
    for (let i = 0; i < n; i++) {
      const c = unit.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    b = fmix(b) | 0;
    this.bucket = bucketOfHash(a, this.buckets);
    const slots = this.slots;
    const pool = this.pool;
    const mask = this.mask;
    probe: for (let s = b & mask; ; s = (s + 1) & mask) {
      const q = s * SLOT;
      const at = slots[q]!;
      if (at === EMPTY) return add ? this.insert(s, unit, a, b) : -1;
      if (slots[q + 2] !== b || slots[q + 1] !== a) continue;
      const off = slots[q + 3]!;
      if (pool[off] !== n) continue;
      for (let i = 0; i < n; i++) if (pool[off + 1 + i] !== unit.charCodeAt(i)) continue probe;
      return at - 1;
    }
  }

  private insert(slot: number, unit: string, a: number, b: number): number {
    const i = this.size++;
    if (i * STATE === this.state.length) this.growUnits();
    const n = unit.length;
    if (this.poolEnd + 1 + n > this.pool.length) {
      const pool = new Uint16Array(Math.max(this.pool.length * 2, this.poolEnd + 1 + n));
      pool.set(this.pool);
      this.pool = pool;
    }
    const off = this.poolEnd;
    this.pool[off] = n;
    for (let k = 0; k < n; k++) this.pool[off + 1 + k] = unit.charCodeAt(k);
    this.poolEnd += 1 + n;
    const st = this.state;
    st[i * STATE + FIRST] = Number.NaN;
    st[i * STATE + LAST_HOUR] = Number.NaN;
    st[i * STATE + WRITTEN_FIRST] = Infinity;
    st[i * STATE + WRITTEN_LAST_HOUR] = -Infinity;
    const q = slot * SLOT;
    this.slots[q] = i + 1;
    this.slots[q + 1] = a;
    this.slots[q + 2] = b;
    this.slots[q + 3] = off;
    if (this.size * 2 > this.mask + 1) this.growSlots();
    return i;
  }

  private growUnits(): void {
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
