import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createActionCounter } from '../actions/action-metrics.ts';
import { ActionRecorder } from '../actions/action-recorder.ts';
import { ActionService } from '../actions/action-service.ts';
import { ActionStore } from '../actions/action-store.ts';
import { ChampionSwitch, type AliasRouter, type ChampionRegistry } from '../actions/champion-switch.ts';
import { DeploymentCalls } from '../actions/deployment-calls.ts';
import type { DeliveryOptions } from '../actions/deployment-hook.ts';
import { Idempotency } from '../actions/idempotency.ts';
import { Promote } from '../actions/promote.ts';
import { PromotionRamp, type GuardrailTotals, type RampRouter } from '../actions/promotion-ramp.ts';
import { Rollback, type SessionStatuses } from '../actions/rollback.ts';
import { RunAction } from '../actions/run-action.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { Clock } from '../core/clock.ts';
import type { KeyedMutex } from '../registry/keyed-mutex.ts';
import type { ModelLookup } from '../registry/registry-ports.ts';
import type { Store } from '../store/database.ts';
import type { Leases } from '../store/leases.ts';
import type { RoutingChannel } from '../store/routing-notifications.ts';

export interface ActionsWiring {
  store: Store;
  audit: AuditLog;
  models: ModelLookup;
  registry: ChampionRegistry;
  router: AliasRouter & RampRouter;
  /** The session pool: versions that failed to load are no rollback target. */
  pool: SessionStatuses;
  locks: KeyedMutex;
  logger: Logger;
  prometheus: Registry;
  clock: Clock;
  /** The monitor's rollup totals, for the promotion ramp's guardrails. */
  monitor: GuardrailTotals;
  deployment: DeliveryOptions;
  /** Told of each committed champion switch and canary step (other replicas reload the model's routing); the ramp listens to it. */
  routing: RoutingChannel;
  /** Each canary ramp is a lease (actions/promotion-ramp.ts). */
  leases: Leases;
  /** false: the promotion ramp has no step timers (its tick() runs due steps). */
  timers?: boolean;
}

/**
 * The actions' use cases, built bottom-up so nothing needs wiring afterwards: the record,
 * the champion switch over it, the promotion ramp over the switch, then promote and
 * rollback over both. The ramp is returned too (start recovers, close stops it).
 */
export function createActions(w: ActionsWiring): { actions: ActionService; ramp: PromotionRamp } {
  const store = new ActionStore(w.store);
  const idempotency = new Idempotency(store);
  const recorder = new ActionRecorder({ actions: store, idempotency, audit: w.audit, models: w.models, counter: createActionCounter(w.prometheus), logger: w.logger });
  const deployments = new DeploymentCalls({ actions: store, versions: w.registry, recorder, audit: w.audit, logger: w.logger, delivery: w.deployment });
  const champions = new ChampionSwitch({ registry: w.registry, router: w.router, recorder, idempotency, deployments, models: w.models, locks: w.locks, routing: w.routing });
  const ramp = new PromotionRamp({
    recorder,
    champions,
    actions: store,
    router: w.router,
    locks: w.locks,
    logger: w.logger,
    leases: w.leases,
    versions: w.registry,
    routing: w.routing,
    audit: w.audit,
    clock: w.clock,
    monitor: w.monitor,
    timers: w.timers,
  });
  const actions = new ActionService({
    promote: new Promote({ registry: w.registry, champions, ramp }),
    rollback: new Rollback({ registry: w.registry, champions, ramp, sessions: w.pool }),
    run: new RunAction({ actions: store, idempotency, recorder, audit: w.audit, models: w.models }),
    recorder,
    deployments,
  });
  return { actions, ramp };
}
