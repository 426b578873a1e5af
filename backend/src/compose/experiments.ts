/** Builds the experiments' use cases and ctx.experiments over them (server.ts calls this once). */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AutoDecide } from '../actions/auto-decide.ts';
import { ExperimentService } from '../actions/experiment-service.ts';
import { StopExperiment, type ChampionLookup, type ExperimentActions } from '../actions/stop-experiment.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import { ClosedTotalsCache } from '../experiments/closed-totals-cache.ts';
import { CreateExperiment, type ModelLookup, type VersionLoader, type VersionLookup } from '../experiments/create-experiment.ts';
import { ExperimentResultsQuery, type TotalsSource } from '../experiments/experiment-results.ts';
import type { UnitTotalsSource } from '../experiments/unit-analysis.ts';
import { ExperimentStore } from '../experiments/experiment-store.ts';
import { ExperimentSnapshots, registerExperimentGauges } from '../experiments/metrics-export.ts';
import { RampExperiment } from '../experiments/ramp-experiment.ts';
import { ReadExperiments } from '../experiments/read-experiments.ts';
import { RecordExperimentStop } from '../experiments/record-stop.ts';
import { RunningExperimentsSync } from '../experiments/running-sync.ts';
import type { RunningExperiments } from '../serving/running-experiments.ts';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import type { RoutingChannel } from '../store/routing-notifications.ts';

export interface ExperimentsDeps {
  store: Store;
  audit: AuditLog;
  models: ModelLookup;
  /** The version registry: arms' versions, and the champion a stop compares with. */
  registry: VersionLookup & ChampionLookup;
  /** Loads arm versions ahead of their traffic. */
  serving: VersionLoader;
  monitor: TotalsSource & UnitTotalsSource;
  actions: ExperimentActions;
  /** Serving's routing table, which the experiments fill. */
  runningExperiments: RunningExperiments;
  /** Experiment starts, ramps and stops are notified to other replicas, and theirs re-read here at once. */
  routing: RoutingChannel;
  clock: Clock;
  logger: Logger;
  /** Where the experiment gauges go. */
  prometheus: Registry;
  /** The automatic decisions run on one replica at a time. */
  leases: Leases;
}

export interface ExperimentsOptions {
  /** How often the running experiments are re-read from the store (changes of other replicas). */
  refreshMs?: number;
  /** Wall-clock period of the autoDecide round; 0: never. */
  autoDecideIntervalMs?: number;
  /** Gauge snapshot cache (scrapes within it share one computation). */
  exportTtlMs?: number;
  /** How long (wall time) the totals of closed hours are reused by results; 0: always read everything. */
  closedTotalsTtlMs?: number;
}

export function createExperiments(deps: ExperimentsDeps, options: ExperimentsOptions = {}): ExperimentService {
  const { audit, clock, logger } = deps;
  const rows = new ExperimentStore(deps.store);
  const read = new ReadExperiments(rows);
  const results = new ExperimentResultsQuery({
    experiments: read,
    monitor: deps.monitor,
    closedTotals: new ClosedTotalsCache(options.closedTotalsTtlMs ?? 60_000),
    clock,
  });
  const snapshots = new ExperimentSnapshots({ running: () => read.running(), results: (e) => results.of(e), logger }, options.exportTtlMs ?? 15_000);
  registerExperimentGauges(deps.prometheus, () => snapshots.snapshot());
  const sync = new RunningExperimentsSync({ rows, table: deps.runningExperiments, logger, onChange: () => snapshots.invalidate() }, options.refreshMs ?? 5_000);
  // The table is re-read whole (running-sync.ts); twice, so that one read starts after the
  // notification even when a periodic refresh that began before it is still in flight.
  const refreshAfterNow = () => sync.refresh().then(() => sync.refresh());
  deps.routing.subscribe({ changed: refreshAfterNow, resync: refreshAfterNow });
  const record = new RecordExperimentStop({ rows, running: sync, routing: deps.routing, clock });
  const stop = new StopExperiment({ experiments: read, results, record, champions: deps.registry, actions: deps.actions });
  return new ExperimentService({
    create: new CreateExperiment({ rows, audit, models: deps.models, versions: deps.registry, serving: deps.serving, running: sync, routing: deps.routing, clock, logger }),
    ramp: new RampExperiment({ rows, experiments: read, audit, serving: deps.serving, running: sync, routing: deps.routing, clock, logger }),
    read,
    results,
    stop,
    autoDecide: new AutoDecide({ experiments: read, results, stop, logger, leases: deps.leases }, options.autoDecideIntervalMs ?? 30_000),
    sync,
    table: deps.runningExperiments,
  });
}
