/**
 * Array helpers that never spread an array into call arguments: a spread puts every element
 * on the stack and throws past ~120k elements (eslint.config.js forbids it).
 */
export function pushAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}

/** The largest of `values`, or `floor` when that is larger (or `values` is empty). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** The smallest of `values`, or `ceiling` when that is smaller (or `values` is empty). */
export function minOf(values: Iterable<number>, ceiling = Infinity): number {
  let min = ceiling;
  for (const value of values) if (value < min) min = value;
  return min;
}
