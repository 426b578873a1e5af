/**
 * Histogram counts as compact blobs (the `rollups` table's score_hist and features columns):
 * drift over a week of minute rows reads and adds them without building objects per row.
 */
const FORMAT_VARINT = 1;
const FORMAT_F64 = 2;

/**
 * Arrays of counts → bytes: [format, n arrays, then per array: length, counts]. Whole
 * counts (the normal case) as LEB128 varints; any other value switches the blob to f64.
 */
export function encodeCounts(arrays: readonly ArrayLike<number>[]): Uint8Array {
  let whole = true;
  let size = 16;
  for (const a of arrays) {
    size += 5 + a.length * 3;
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (!(v >= 0 && v <= 0x1fffffffffffff && Math.floor(v) === v)) whole = false;
    }
  }
  if (!whole) {
    let n = 0;
    for (const a of arrays) n += a.length;
    const out = new Uint8Array(2 + 4 * (arrays.length + 1) + 8 * n);
    const view = new DataView(out.buffer);
    out[0] = FORMAT_F64;
    let pos = 1;
    view.setUint32(pos, arrays.length, true);
    pos += 4;
    for (const a of arrays) {
      view.setUint32(pos, a.length, true);
      pos += 4;
      for (let i = 0; i < a.length; i++) {
        view.setFloat64(pos, a[i] as number, true);
        pos += 8;
      }
    }
    return out.subarray(0, pos);
  }
  let buf = new Uint8Array(size);
  let pos = 0;
  const put = (x: number) => {
    if (pos + 8 > buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf);
      buf = next;
    }
    while (x >= 0x80) {
      buf[pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    buf[pos++] = x;
  };
  buf[pos++] = FORMAT_VARINT;
  put(arrays.length);
  for (const a of arrays) {
    put(a.length);
    for (let i = 0; i < a.length; i++) put(a[i] as number);
  }
  return buf.slice(0, pos);
}

export class CountsFormatError extends Error {}

/**
 * Adds the counts in `bytes` into `into` (one array per stored array, same lengths), or
 * returns false when the shapes differ. No allocations.
 */
export function addCountsInto(bytes: Uint8Array, into: readonly Float64Array[]): boolean {
  if (bytes.length === 0) return false;
  const format = bytes[0];
  if (format === FORMAT_F64) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 1;
    const n = view.getUint32(pos, true);
    pos += 4;
    if (n !== into.length) return false;
    for (let a = 0; a < n; a++) {
      const len = view.getUint32(pos, true);
      pos += 4;
      const target = into[a] as Float64Array;
      if (len !== target.length) return false;
      for (let i = 0; i < len; i++) {
        target[i] = (target[i] as number) + view.getFloat64(pos, true);
        pos += 8;
      }
    }
    return true;
  }
  if (format !== FORMAT_VARINT) throw new CountsFormatError(`unknown counts format ${format}`);
  // Hot loop of drift queries (a week of minute rows: millions of counts): one-byte values
  // (most bins of a minute) are read inline with a local position; longer ones by readVarint.
  const end = bytes.length;
  const cursor = { pos: 1 };
  if (readVarint(bytes, cursor) !== into.length) return false;
  for (const target of into) {
    const len = readVarint(bytes, cursor);
    if (len !== target.length) return false;
    let pos = cursor.pos;
    if (pos + len > end) throw new CountsFormatError('truncated counts');
    for (let i = 0; i < len; i++) {
      const b = bytes[pos++] as number;
      if (b < 0x80) {
        target[i] = (target[i] as number) + b;
        continue;
      }
      cursor.pos = pos;
      target[i] = (target[i] as number) + readVarint(bytes, cursor, b & 0x7f, 0x80);
      pos = cursor.pos;
    }
    cursor.pos = pos;
  }
  return true;
}

/** The LEB128 varint at cursor.pos (advancing it); `x` and `scale` continue one begun by the caller. */
function readVarint(bytes: Uint8Array, cursor: { pos: number }, x = 0, scale = 1): number {
  let b: number;
  do {
    if (cursor.pos >= bytes.length) throw new CountsFormatError('truncated counts');
    b = bytes[cursor.pos++] as number;
    x += (b & 0x7f) * scale;
    scale *= 0x80;
  } while (b >= 0x80);
  return x;
}

/** The arrays in `bytes`, with their stored lengths. */
export function decodeCounts(bytes: Uint8Array): Float64Array[] {
  const shape = countsShape(bytes);
  const out = shape.map((n) => new Float64Array(n));
  addCountsInto(bytes, out);
  return out;
}

/** Lengths of the arrays in `bytes`. */
export function countsShape(bytes: Uint8Array): number[] {
  const format = bytes[0];
  const sizes: number[] = [];
  if (format === FORMAT_F64) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let pos = 1;
    const n = view.getUint32(pos, true);
    pos += 4;
    for (let a = 0; a < n; a++) {
      const len = view.getUint32(pos, true);
      sizes.push(len);
      pos += 4 + 8 * len;
    }
    return sizes;
  }
  const cursor = { pos: 1 };
  const n = readVarint(bytes, cursor);
  for (let a = 0; a < n; a++) {
    const len = readVarint(bytes, cursor);
    sizes.push(len);
    for (let i = 0; i < len; i++) readVarint(bytes, cursor);
  }
  return sizes;
}
