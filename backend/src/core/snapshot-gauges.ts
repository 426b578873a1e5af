import { Gauge, type Registry } from 'prom-client';

/**
 * Gauges filled from one shared snapshot at scrape time: each gauge's collect() awaits
 * `snapshot()` (cached by the caller, so one scrape computes it once), clears its old
 * series and sets the current ones — series that disappeared are not exported stale.
 */
export function snapshotGauges<S>(prometheus: Registry, snapshot: () => Promise<S>) {
  return <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (gauge: Gauge<L>, s: S) => void): Gauge<L> =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [prometheus],
      async collect() {
        const s = await snapshot();
        this.reset();
        fill(this, s);
      },
    });
}
