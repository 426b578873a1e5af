import type { Actor } from '../auth/roles.ts';
import { DomainError } from '../core/errors.ts';
import type { Weights } from './experiment-schemas.ts';

/**
 * An experiment decides what /predict serves, so it can promote by the back door: arms that
 * leave the champion out, weights that send most traffic to a challenger, or autoDecide (the
 * experiment promotes by itself). Those need an admin; an editor may run an experiment with
 * the champion as control (arm 0) and at most `maxPercent` % of the traffic (MODELWATCH_EDITOR_MAX_TREATMENT_PERCENT, default 50)
 * on the other arms (docs/security.md).
 */

/** The registry, as far as the check needs it. */
export interface ChampionSource {
  aliases(model: string): Promise<{ champion?: string | undefined }>;
}

interface Arm {
  version: string;
  weight: number;
}

const forbidden = (message: string) => new DomainError('permission_denied', `${message}; ask an admin`);

function assertShare(arms: readonly Arm[], weights: readonly number[], champion: string, field: string, maxPercent: number): void {
  const total = weights.reduce((s, w) => s + w, 0);
  const elsewhere = arms.reduce((s, arm, i) => s + (arm.version === champion ? 0 : (weights[i] ?? 0)), 0);
  const percent = total > 0 ? (elsewhere / total) * 100 : 0;
  if (percent > maxPercent + 1e-9) {
    throw forbidden(`${field}: ${Math.round(percent * 100) / 100} % of the traffic would go to versions other than the champion "${champion}"; an editor may send at most ${maxPercent} %`);
  }
}

async function championOf(registry: ChampionSource, model: string): Promise<string> {
  const { champion } = await registry.aliases(model);
  if (!champion) throw forbidden(`model "${model}" has no champion: an experiment would decide what serves`);
  return champion;
}

/** Before an experiment starts. */
export async function assertMayStartExperiment(
  registry: ChampionSource,
  input: { model: string; arms: readonly Arm[]; autoDecide?: boolean | undefined },
  actor: Actor,
  maxPercent: number,
): Promise<void> {
  if (actor.role === 'admin') return;
  if (input.autoDecide) throw forbidden('autoDecide: an experiment that promotes or rolls back by itself needs the "admin" permission');
  const champion = await championOf(registry, input.model);
  if (input.arms[0]?.version !== champion) {
    throw forbidden(`arms[0].version: the control must be the champion "${champion}" for an editor's experiment`);
  }
  assertShare(input.arms, input.arms.map((a) => a.weight), champion, 'arms', maxPercent);
}

/** Before a running experiment's weights change. */
export async function assertMayReweight(
  registry: ChampionSource,
  experiment: { model: string; arms: ReadonlyArray<Arm & { name: string }> },
  weights: Weights,
  actor: Actor,
  maxPercent: number,
): Promise<void> {
  if (actor.role === 'admin') return;
  const champion = await championOf(registry, experiment.model);
  const next = Array.isArray(weights) ? weights : experiment.arms.map((a) => weights[a.name] ?? a.weight);
  assertShare(experiment.arms, next, champion, 'weights', maxPercent);
}
