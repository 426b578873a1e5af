import type { EngineControl, EngineView, MinuteRecord, ScenarioResult, ScenarioSpec, TimelineEvent } from '../../scenarios/engine-api.ts';
import { runScenario } from '../../scenarios/engine.ts';
import type { WorldState } from '../../scenarios/world.ts';
import { BRIEF_RETRAIN } from '../../scenarios/library/common.ts';
import { TerminalView } from './terminal-view.ts';
import { Timeline, type StoryEvent, type SummaryRow } from './timeline.ts';

/**
 * Act 1's drift: prices up 35 % and a new, price-sensitive market with 90 % of the traffic. The
 * v1 model, trained before it, keeps showing well-rated items to bargain hunters: CTR falls by
 * about 30 %; a model trained on the new traffic shows them cheap ones and wins it back.
 */
export const demoDrift: Partial<WorldState> = { priceFactor: 1.35, newMarketShare: 0.9 };

/**
 * Act 2's canary of the bad candidate, with the champion's version as `control`. Not named
 * "champion": plain champion traffic is logged with that arm name, and a unit seen in it earlier
 * in the same hour would count in the control arm (monitor/unit-exposures.ts).
 */
export function badCanary(champion: string): { arms: Array<{ name: string; version: string; weight: number }> } & Record<string, unknown> {
  return {
    arms: [
      { name: 'control', version: champion, weight: 50 },
      { name: 'candidate', version: 'v-bad', weight: 50 },
    ],
    primaryMetric: 'ctr',
    guardrails: [{ metric: 'ctr', margin: 0.05 }],
    sequential: true,
    autoDecide: true,
    description: 'canary of a bad candidate',
  };
}

/** Act 1 counts only if the drift cost at least this share of CTR and the promotion won back at least RECOVERED of it. */
export const MIN_CTR_DROP = 0.2;
export const MIN_RECOVERED = 0.8;

export interface DemoScenarioOptions {
  seed: number;
  visitsPerMinute: number;
  /** Virtual minutes of baseline before the drift. */
  driftAtMinute: number;
  /** Virtual minutes each act may take at most. */
  actTimeoutMinutes: number;
  dataDir?: string;
}

export interface DemoOutcome {
  result: ScenarioResult;
  timeline: Timeline;
  summary: SummaryRow[];
  /** CTR lost to the drift (relative) and the share of that loss the promotion won back. */
  ctr: { drop: number | null; recovered: number | null };
  act1: { promoted: string | undefined; ok: boolean };
  act2: { rolledBack: boolean; ok: boolean };
}

/**
 * The demo as one scenario of the engine. Act 1: the drift degrades CTR, the shipped alert
 * rules fire, the policy retrains, the gate passes the challenger, its canary's sequential test
 * promotes it. Act 2 (15 minutes after the promotion): a bad candidate (shuffled labels) goes
 * into a canary with a CTR guardrail, which fails it: rolled back. The hooks only start act 2
 * and watch; every decision is the service's.
 */
export async function runDemoScenario(options: DemoScenarioOptions, view = new TerminalView()): Promise<DemoOutcome> {
  const marks = { promotedAt: -1, act2At: -1, act2Champion: '', rolledBackAt: -1 };
  const spec: ScenarioSpec = {
    name: 'demo',
    seed: options.seed,
    horizonMinutes: options.driftAtMinute + 3 * options.actTimeoutMinutes,
    model: {
      name: 'shop-ctr',
      description: 'Click-through-rate model of a simulated e-commerce recommender (ModelWatch demo)',
      settings: { retrain: BRIEF_RETRAIN },
    },
    versions: [{ version: 'v1', champion: true, description: 'initial model', training: { rows: 60_000 } }],
    traffic: { visitsPerMinute: options.visitsPerMinute, units: 20_000 },
    injections: [{ kind: 'drift', at: options.driftAtMinute, world: demoDrift }],
  };
  const deadline1 = options.driftAtMinute + options.actTimeoutMinutes;
  const onMinute = async (state: EngineView, control: EngineControl) => {
    const m = state.minute;
    if (marks.act2At < 0) {
      if (marks.promotedAt < 0 && state.champion && state.champion !== 'v1') {
        marks.promotedAt = m;
        control.note(`act 1 done: ${state.champion} is champion after drift → alert → retrain → gate → canary → promotion`);
      }
      if ((marks.promotedAt >= 0 && m - marks.promotedAt >= 15) || m > deadline1) {
        marks.act2At = m;
        marks.act2Champion = state.champion ?? '';
        control.note('act 2: a bad candidate (trained on shuffled labels) goes into a canary experiment with a CTR guardrail', 2);
        await control.operate({ kind: 'stop-experiments', reason: 'demo: act 1 ran out of time' });
        await control.operate({ kind: 'register', version: { version: 'v-bad', description: 'bad candidate (shuffled labels)', training: { rows: 30_000, shuffleLabels: true } } });
        await control.operate({ kind: 'experiment', experiment: badCanary('$champion') });
      }
      return;
    }
    const candidate = state.timeline.findLast((e) => e.kind === 'experiment' && e.arms.some((a) => a.version === 'v-bad'));
    if (marks.rolledBackAt < 0 && candidate?.kind === 'experiment' && candidate.change === 'stopped') {
      marks.rolledBackAt = m;
      control.note(`canary stopped (${candidate.decision ?? 'stopped'}): v-bad no longer serves; ${state.champion ?? '?'} keeps all traffic`);
    }
    if ((marks.rolledBackAt >= 0 && m - marks.rolledBackAt >= 5) || m > marks.act2At + options.actTimeoutMinutes) control.finish();
  };
  const timeline = new Timeline();
  const afterMinute = (state: EngineView, record: MinuteRecord) => {
    timeline.sample({
      ts: record.ts,
      ctr: record.total.ctr,
      trueCtr: record.total.expectedCtr,
      cvr: record.total.cvr,
      auc: record.gauges.championAuc,
      p99Ms: record.total.p99Ms,
      driftShare: record.gauges.driftShare,
      champion: record.champion ?? '',
    });
    for (const e of state.timeline.slice(timeline.events.length)) timeline.event(storyEvent(e));
    view.render({
      act: state.timeline.at(-1)?.act === 2 ? 2 : 1,
      simTime: state.now,
      progress: Math.min(1, state.minute / spec.horizonMinutes),
      latest: timeline.samples.at(-1),
      job: state.activeJobs ? { progress: 0.5, message: 'retrain running' } : undefined,
      events: timeline.events,
    });
  };
  const result = await runScenario(spec, { ...(options.dataDir ? { dataDir: options.dataDir } : {}), hooks: { onMinute, afterMinute } });
  for (const e of result.timeline.slice(timeline.events.length)) timeline.event(storyEvent(e));
  const start = result.minutes[0]!.ts;
  const end = result.minutes.at(-1)!.ts + 60_000;
  const minuteTs = (m: number) => start + m * 60_000;
  const driftAt = minuteTs(options.driftAtMinute);
  const act2Start = marks.act2At >= 0 ? minuteTs(marks.act2At) : end;
  const act1Events = result.timeline.filter((e) => e.act === 1);
  const canary = act1Events.find((e) => e.kind === 'experiment' && e.change === 'started');
  const promotion = act1Events.find((e) => e.kind === 'promotion' && e.to !== 'v1');
  const promotedAt = promotion ? minuteTs(promotion.minute) : 0;
  const champion = promotion?.kind === 'promotion' ? promotion.to : '';
  const summary = [
    timeline.summarize('before drift (v1)', start + 5 * 60_000, driftAt),
    timeline.summarize('after drift, before retrain', driftAt + 5 * 60_000, canary ? minuteTs(canary.minute) : promotedAt || act2Start),
    timeline.summarize(`after promotion (${champion || 'none'})`, promotedAt ? promotedAt + 60_000 : act2Start, act2Start),
    timeline.summarize('act 2: bad canary, then rollback', act2Start, end),
  ];
  // Judged on the true CTR: the clicks drawn add noise that says nothing about the models.
  const [before, drifted, promoted] = summary.map((r) => r.trueCtr);
  const drop = before && drifted !== null && drifted !== undefined ? 1 - drifted / before : null;
  const recovered = before && drifted !== null && drifted !== undefined && promoted !== null && promoted !== undefined && before > drifted ? (promoted - drifted) / (before - drifted) : null;
  const filled = summary.every((r) => r.ctr !== null && r.trueCtr !== null && r.cvr !== null && r.p99Ms !== null && r.driftShare !== null && r.champion !== '');
  return {
    result,
    timeline,
    summary,
    ctr: { drop, recovered },
    act1: { promoted: promotion ? champion : undefined, ok: Boolean(promotion) && filled && drop !== null && drop >= MIN_CTR_DROP && recovered !== null && recovered >= MIN_RECOVERED },
    // Act 2 is done when the bad canary was stopped, the champion of act 2's start kept and v-bad serves nothing.
    act2: { rolledBack: marks.rolledBackAt >= 0, ok: marks.rolledBackAt >= 0 && result.final.champion === marks.act2Champion && !result.final.serving.includes('v-bad') },
  };
}

/** One engine event as a line of the demo's timeline. */
export function storyEvent(e: TimelineEvent): StoryEvent {
  const base = { ts: e.ts, act: (e.act === 2 ? 2 : 1) as 1 | 2 };
  switch (e.kind) {
    case 'injection':
      return { ...base, kind: e.injection.kind === 'drift' ? 'drift' : 'info', message: e.injection.kind === 'drift' ? 'drift injected: prices up 35% and a new market of price-sensitive users brings 90% of the traffic' : `injected: ${JSON.stringify(e.injection)}` };
    case 'note':
      return { ...base, kind: 'info', message: e.message };
    case 'operation':
      return { ...base, kind: 'info', message: `operator: ${e.operation} ${e.version ?? e.experiment ?? ''}`.trim() };
    case 'alert':
      return { ...base, kind: 'alert', message: `${e.alertname} ${e.status} (version=${e.labels.version ?? '-'}, action=${e.labels.modelwatch_action ?? '-'})${e.result ? `: ${e.result.action} ${e.result.outcome}` : ''}` };
    case 'action':
      return { ...base, kind: 'action', message: `${e.action} ${e.status}${e.target ? ` → ${e.target}` : ''} by ${e.actor}${e.reason ? ` — ${e.reason}` : ''}` };
    case 'experiment':
      return { ...base, kind: 'experiment', message: `${e.experiment} ${e.change} (${e.arms.map((a) => `${a.name}=${a.version}`).join(', ')})${e.decision ? ` decision ${e.decision}` : ''}${e.reason ? ` — ${e.reason}` : ''}` };
    case 'promotion':
      return { ...base, kind: 'promote', message: `promoted ${e.to} (was ${e.from ?? 'none'}) by ${e.actor}${e.reason ? ` — ${e.reason}` : ''}` };
    case 'rollback':
      return { ...base, kind: 'rollback', message: `rolled back to ${e.to ?? '?'} from ${e.from ?? '?'} by ${e.actor}${e.reason ? ` — ${e.reason}` : ''}` };
    case 'job':
      return { ...base, kind: 'job', message: `${e.job} ${e.state}${e.version ? ` ${e.version}` : ''}${e.message ? ` — ${e.message}` : ''}` };
    case 'version':
      return { ...base, kind: 'job', message: `version ${e.version} registered by ${e.by}${e.validation ? ` (validation ${e.validation})` : ''}` };
  }
}
