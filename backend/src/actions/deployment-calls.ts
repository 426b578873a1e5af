import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit.ts';
import type { ModelVersionsTable } from '../store/schema.ts';
import type { ActionRecorder } from './action-recorder.ts';
import type { ActionStore, Trx } from './action-store.ts';
import { deliverDeployment, deploymentTarget, type DeliveryOptions, type DeploymentPayload, type DeploymentTarget } from './deployment-hook.ts';

/** The stored version a deployment is told about (its artifact). */
export interface VersionRows {
  findRow(model: string, version: string, db?: Trx): Promise<ModelVersionsTable | undefined>;
}

export interface DeploymentCallsDeps {
  actions: ActionStore;
  versions: VersionRows;
  recorder: ActionRecorder;
  audit: AuditLog;
  logger: Logger;
  delivery: DeliveryOptions;
}

/** A deployment hook call decided inside the champion switch, made after it commits. */
export interface PendingDeployment {
  target: DeploymentTarget;
  payload: Omit<DeploymentPayload, 'timestamp'>;
}

export interface ChampionChange {
  type: 'promote' | 'rollback';
  actionId: string;
  model: string;
  fromVersion: string | null;
  toVersion: string;
  actor: string;
  reason: string;
}

/**
 * Calls of the model's deployment hook (actions/deployment-hook.ts) after a champion
 * switch: in the background, with the outcome recorded on the action and audited.
 */
export class DeploymentCalls {
  private readonly deps: DeploymentCallsDeps;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(deps: DeploymentCallsDeps) {
    this.deps = deps;
  }

  /**
   * Inside the switch's transaction: the hook of the model, if it has one, with the call to
   * make. Notes `deployment` (pending, or why the settings are unusable) in `details`.
   */
  async prepare(trx: Trx, change: ChampionChange, details: Record<string, unknown>): Promise<PendingDeployment | undefined> {
    const { model, toVersion } = change;
    const settings = await this.deps.actions.modelSettings(trx, model);
    try {
      const target = deploymentTarget(settings);
      if (!target) return undefined;
      const version = await this.deps.versions.findRow(model, toVersion, trx);
      details.deployment = { status: 'pending', url: target.url };
      return {
        target,
        payload: {
          event: change.type,
          actionId: change.actionId,
          model,
          fromVersion: change.fromVersion,
          toVersion,
          actor: change.actor,
          reason: change.reason,
          artifact: version ? { sha256: version.artifact_sha256, sizeBytes: Number(version.artifact_bytes), path: `/api/v1/models/${model}/versions/${toVersion}/artifact` } : null,
        },
      };
    } catch (error) {
      details.deployment = { status: 'failed', error: (error as Error).message };
      return undefined;
    }
  }

  dispatch(actionId: string, deployment: PendingDeployment): void {
    const work = (async () => {
      const payload: DeploymentPayload = { ...deployment.payload, timestamp: new Date().toISOString() };
      const outcome = await deliverDeployment(deployment.target, payload, this.deps.delivery);
      const level = outcome.status === 'delivered' ? 'info' : 'warn';
      this.deps.logger[level]({ actionId, model: payload.model, outcome }, 'deployment hook');
      try {
        await this.deps.recorder.updateDetails(actionId, { deployment: outcome });
        await this.deps.audit.record({
          type: `deployment.${outcome.status}`,
          status: outcome.status === 'delivered' ? 'succeeded' : 'failed',
          model: payload.model,
          actor: 'system',
          reason: `${payload.event} ${payload.fromVersion ?? '-'} → ${payload.toVersion}`,
          fromVersion: payload.fromVersion,
          toVersion: payload.toVersion,
          details: { actionId, ...outcome },
        });
      } catch (error) {
        this.deps.logger.error({ err: error, actionId }, 'recording the deployment hook outcome failed');
      }
    })().finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** Resolves when the calls in flight have finished (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
