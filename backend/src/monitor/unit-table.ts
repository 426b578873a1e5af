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

export class UnitTable {
  /** Units held; an index in [0, size) names one in the per-unit arrays below. */
  size = 0;
  /** Per unit: its id, its bucket, its unflushed sighting (NaN: none), what this process committed (±Infinity: nothing remembered). */
  units: string[] = [];
  bucket: Uint16Array;
  first: Float64Array;
  lastHour: Float64Array;
  writtenFirst: Float64Array;
  writtenLastHour: Float64Array;

  /** Per slot: the unit's index + 1 (EMPTY: free) and its two hashes; at most half the slots used. */
  private slots: Int32Array;
  private hashA: Int32Array;
  private hashB: Int32Array;
  private mask: number;
  private readonly buckets: number;

  constructor(buckets: number, capacity = 16) {
    this.buckets = buckets;
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.mask = slots - 1;
    this.slots = new Int32Array(slots);
    this.hashA = new Int32Array(slots);
    this.hashB = new Int32Array(slots);
    const n = slots >>> 1;
    this.bucket = new Uint16Array(n);
    this.first = new Float64Array(n);
    this.lastHour = new Float64Array(n);
    this.writtenFirst = new Float64Array(n);
    this.writtenLastHour = new Float64Array(n);
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
    const mask = this.mask;
    for (let s = b & mask; ; s = (s + 1) & mask) {
      const at = this.slots[s]!;
      if (at === EMPTY) {
        if (!add) return -1;
        return this.insert(s, unit, a, b);
      }
      if (this.hashB[s] === b && this.hashA[s] === a && this.units[at - 1] === unit) return at - 1;
    }
  }

  private insert(slot: number, unit: string, a: number, b: number): number {
    const i = this.size++;
    if (i === this.first.length) this.growUnits();
    this.units.push(unit);
    this.bucket[i] = bucketOfHash(a, this.buckets);
    this.first[i] = Number.NaN;
    this.lastHour[i] = Number.NaN;
    this.writtenFirst[i] = Infinity;
    this.writtenLastHour[i] = -Infinity;
    this.slots[slot] = i + 1;
    this.hashA[slot] = a;
    this.hashB[slot] = b;
    if (this.size * 2 > this.mask + 1) this.growSlots();
    return i;
  }

  private growUnits(): void {
    const n = this.first.length * 2;
    const grow = <T extends Float64Array | Uint16Array>(old: T, make: (n: number) => T): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.bucket = grow(this.bucket, (k) => new Uint16Array(k));
    this.first = grow(this.first, (k) => new Float64Array(k));
    this.lastHour = grow(this.lastHour, (k) => new Float64Array(k));
    this.writtenFirst = grow(this.writtenFirst, (k) => new Float64Array(k));
    this.writtenLastHour = grow(this.writtenLastHour, (k) => new Float64Array(k));
  }

  private growSlots(): void {
    const { slots, hashA, hashB } = this;
    const size = slots.length * 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size);
    this.hashA = new Int32Array(size);
    this.hashB = new Int32Array(size);
    for (let s = 0; s < slots.length; s++) {
      if (slots[s] === EMPTY) continue;
      let t = hashB[s]! & this.mask;
      while (this.slots[t] !== EMPTY) t = (t + 1) & this.mask;
      this.slots[t] = slots[s]!;
      this.hashA[t] = hashA[s]!;
      this.hashB[t] = hashB[s]!;
    }
  }
}
