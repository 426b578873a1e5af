/**
 * One value computed at most once per TTL: concurrent and repeated readers within the TTL
 * share the same computation (e.g. a metrics snapshot read by several Prometheus scrapes).
 * A failed computation yields `onError`'s value to the readers waiting on it and is not kept,
 * so the next read computes again.
 */
export interface TtlCacheOptions<T> {
  /** What readers get when a computation fails (e.g. log, then an empty snapshot). */
  onError: (error: unknown) => T;
  /** Wall clock (default Date.now). */
  now?: () => number;
}

export class TtlCache<T> {
  private entry: { at: number; value: Promise<T> } | undefined;
  private readonly onError: (error: unknown) => T;
  private readonly now: () => number;

  constructor(options: TtlCacheOptions<T>) {
    this.onError = options.onError;
    this.now = options.now ?? Date.now;
  }

  /** The cached value if it is younger than ttlMs, else a fresh `compute()`. */
  get(ttlMs: number, compute: () => Promise<T>): Promise<T> {
    const at = this.now();
    if (this.entry && at - this.entry.at < ttlMs) return this.entry.value;
    const value: Promise<T> = compute().catch((error: unknown) => {
      if (this.entry?.value === value) this.entry = undefined;
      return this.onError(error);
    });
    this.entry = { at, value };
    return value;
  }
}
