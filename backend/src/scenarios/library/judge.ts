/**
 * Reading one seed's result (engine-api.ts ScenarioResult) the way the verdicts need it: the
 * service's decisions after the scenario's trigger, KPIs over windows of minutes, and the share
 * of a KPI loss won back. Pure.
 */
import type { MinuteRecord, ScenarioResult, TimelineEvent, VersionKpis } from '../engine-api.ts';

export type EventOf<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;

export function eventsOf<K extends TimelineEvent['kind']>(result: ScenarioResult, kind: K, fromMinute = 0): EventOf<K>[] {
  return result.timeline.filter((e): e is EventOf<K> => e.kind === kind && e.minute >= fromMinute);
}

/** What the service decided from `fromMinute` on: champion changes, experiment stops, retrains, alerts fired. */
export interface Decisions {
  promotions: EventOf<'promotion'>[];
  rollbacks: EventOf<'rollback'>[];
  stops: EventOf<'experiment'>[];
  retrains: EventOf<'job'>[];
  firing: EventOf<'alert'>[];
}

export function decisions(result: ScenarioResult, fromMinute: number): Decisions {
  return {
    // The initial champion is promoted at minute 0 by the operator: not a decision of the service.
    promotions: eventsOf(result, 'promotion', fromMinute).filter((e) => e.minute > 0),
    rollbacks: eventsOf(result, 'rollback', fromMinute),
    stops: stopsOf(result, fromMinute),
    retrains: eventsOf(result, 'job', fromMinute).filter((e) => e.state === 'queued' || e.state === 'created'),
    firing: eventsOf(result, 'alert', fromMinute).filter((e) => e.status === 'firing'),
  };
}

/**
 * Experiments stopped from `fromMinute` on: the timeline's stop events, and the stops that only
 * the final state shows (an experiment started and stopped in the same minute has a start event
 * only: NEEDS.md item 5).
 */
function stopsOf(result: ScenarioResult, fromMinute: number): EventOf<'experiment'>[] {
  const events = eventsOf(result, 'experiment', fromMinute).filter((e) => e.change === 'stopped');
  for (const x of result.final.experiments) {
    if (x.stoppedMinute === null || x.stoppedMinute < fromMinute || events.some((e) => e.experiment === x.experiment)) continue;
    const start = eventsOf(result, 'experiment').find((e) => e.experiment === x.experiment);
    events.push({
      kind: 'experiment',
      change: 'stopped',
      minute: x.stoppedMinute,
      ts: start?.ts ?? 0,
      act: start?.act ?? 1,
      experiment: x.experiment,
      arms: x.arms.map((a) => ({ name: a.name, version: a.version })),
      decision: x.decision,
      reason: null,
      actor: '(same minute as its start)',
    });
  }
  return events.sort((a, b) => a.minute - b.minute);
}

/** The arm's version in a stopped experiment event. */
export const armVersion = (e: EventOf<'experiment'>, arm: string): string | undefined => e.arms.find((a) => a.name === arm)?.version;

const minutesIn = (result: ScenarioResult, from: number, to: number): MinuteRecord[] => result.minutes.filter((m) => m.minute >= from && m.minute < to);

/** Σnumerator / Σdenominator over minutes [from, to) of all traffic or of one version; null without any denominator. */
export function ratioOver(result: ScenarioResult, from: number, to: number, pick: (k: VersionKpis) => [number, number], version?: string): number | null {
  let num = 0;
  let den = 0;
  for (const m of minutesIn(result, from, to)) {
    const k = version === undefined ? m.total : m.versions[version];
    if (!k) continue;
    const [a, b] = pick(k);
    num += a;
    den += b;
  }
  return den > 0 ? num / den : null;
}

/** Mean of a per-minute value over [from, to) (minutes where it is null are skipped). */
export function meanOver(result: ScenarioResult, from: number, to: number, pick: (k: VersionKpis) => number | null, version?: string): number | null {
  const values: number[] = [];
  for (const m of minutesIn(result, from, to)) {
    const k = version === undefined ? m.total : m.versions[version];
    const v = k ? pick(k) : null;
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

export const ctr = (k: VersionKpis): [number, number] => [k.clicks, k.impressions];
export const errorsPerVisit = (k: VersionKpis): [number, number] => [k.errors, k.visits];
export const p99 = (k: VersionKpis): number | null => k.p99Ms;

/**
 * Share of a KPI loss won back: `healthy` is the KPI without the fault, `faulty` with it,
 * `after` once the service acted. 1 = all of it, 0 = none, negative = worse still. Null when
 * a window is empty or the fault cost (almost) nothing, where a share means nothing.
 */
export function recoveredShare(healthy: number | null, faulty: number | null, after: number | null, higherIsBetter: boolean): number | null {
  if (healthy === null || faulty === null || after === null) return null;
  const loss = higherIsBetter ? healthy - faulty : faulty - healthy;
  if (!(Math.abs(loss) > 1e-9 * Math.max(1, Math.abs(healthy))) || loss <= 0) return null;
  return (higherIsBetter ? after - faulty : faulty - after) / loss;
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);

/** One line on what a seed did (the report lists it for the seeds that were not correct). */
export function describe(result: ScenarioResult, d: Decisions): string {
  const parts: string[] = [];
  for (const e of d.stops) parts.push(`m${e.minute} ${e.experiment} stopped (${e.decision ?? 'no decision'}) by ${e.actor}`);
  for (const e of d.promotions) parts.push(`m${e.minute} promoted ${e.to} (was ${e.from ?? 'none'}) by ${e.actor}`);
  for (const e of d.rollbacks) parts.push(`m${e.minute} rolled back ${e.from ?? '?'} → ${e.to ?? '?'} by ${e.actor}`);
  if (d.retrains.length) parts.push(`${d.retrains.length} retrain job(s) from m${d.retrains[0]!.minute}`);
  const alerts = [...new Set(d.firing.map((a) => `${a.alertname}${a.labels.version ? `(${a.labels.version})` : ''}`))];
  if (alerts.length) parts.push(`alerts: ${alerts.join(', ')}`);
  const running = result.final.experiments.filter((e) => e.status === 'running').map((e) => e.experiment);
  if (running.length) parts.push(`still running: ${running.join(', ')}`);
  parts.push(`final champion ${result.final.champion ?? 'none'}, serving ${result.final.serving.join('+') || 'nothing'}`);
  return parts.join('; ');
}

export { pct as formatPercent };
