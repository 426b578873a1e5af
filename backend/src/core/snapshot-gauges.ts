import { Gauge, type Registry } from 'prom-client';

/**
 * Gauges filled from one shared snapshot at scrape time: each gauge's collect() awaits
 * `snapshot()` (cached by the caller), clears its old series and sets the current ones —
 * series that disappeared are not exported stale. A scrape collects every gauge at once, so
 * the gauges share the snapshot in flight: one computation per scrape even when the caller's
 * cache keeps nothing (MODELWATCH_METRICS_CACHE_MS=0 made each gauge compute its own).
 */
export function snapshotGauges<S>(prometheus: Registry, snapshot: () => Promise<S>) {
  let inFlight: Promise<S> | undefined;
  const shared = (): Promise<S> => {
    if (inFlight) return inFlight;
    const current = snapshot().finally(() => {
      if (inFlight === current) inFlight = undefined;
    });
    inFlight = current;
    return current;
  };
  return <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (gauge: Gauge<L>, s: S) => void): Gauge<L> =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [prometheus],
      async collect() {
        const s = await shared();
        this.reset();
        fill(this, s);
      },
    });
}
