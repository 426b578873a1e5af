import type { ApiClient } from '../api-client.ts';
import type { Clock } from '../../core/clock.ts';
import { explorationData, trainAndRegister } from './initial-models.ts';
import { parseExposition } from '../../scenarios/rule-evaluator.ts';
import { auditToEvent } from './story-events.ts';
import { TerminalView } from './terminal-view.ts';
import { Timeline, type SummaryRow } from './timeline.ts';
import { TrafficDriver } from './traffic.ts';
import { demoFeatures, World } from '../../scenarios/world.ts';
import { BRIEF_RETRAIN } from '../../scenarios/library/common.ts';
import { badCanary, demoDrift } from './demo-scenario.ts';

export interface StoryOptions {
  model: string;
  usersPerMinute: number;
  candidates: number;
  seed: number;
  /** Simulated minutes of baseline traffic before the drift. */
  driftAtMinute: number;
  /** Simulated minutes each act may take at most. */
  actTimeoutMinutes: number;
  /** Real milliseconds between ticks of traffic. */
  tickMs: number;
  /** What reached people since the last call (mails, chat messages: people-inbox.ts), shown as events; none on the engine. */
  notifications?: () => string[];
}

export interface StoryResult {
  timeline: Timeline;
  summary: SummaryRow[];
  act1: { promoted: string | undefined; ok: boolean };
  act2: { rolledBack: boolean; ok: boolean };
}

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The two acts. Act 1: drift degrades CTR; the alert rules fire; the policy retrains; the
 * validation gate passes the challenger; a canary experiment's sequential test promotes it.
 * Act 2: a bad candidate goes into a canary; its guardrail fails; it is rolled back.
 * The demo only sends traffic and alerts; every decision is the service's.
 */
export async function runStory(api: ApiClient, clock: Clock, options: StoryOptions, view = new TerminalView()): Promise<StoryResult> {
  const timeline = new Timeline();
  const world = new World(options.seed);
  const start = clock.now();
  let act: 1 | 2 = 1;
  const say = (kind: Parameters<Timeline['event']>[0]['kind'], message: string) => timeline.event({ ts: clock.now(), act, kind, message });

  await api.request('POST', '/api/v1/models', {
    json: {
      name: options.model,
      features: demoFeatures,
      description: 'Click-through-rate model of a simulated e-commerce recommender (ModelWatch demo)',
      settings: {
        retrain: {
          window: '20m',
          label: 'click',
          onSuccess: 'canary',
          canary: { weight: 50, primaryMetric: 'ctr', autoDecide: true },
          ...BRIEF_RETRAIN,
        },
        health: { ctr: { minBaselineImpressions: 2000 } },
        // Compressed time: the drift gauges look at the last 15 minutes instead of the hour.
        metrics: { driftWindow: '15m' },
      },
    },
  });
  say('info', 'training v1 with the built-in trainer on 60,000 logged exploration impressions');
  const data = explorationData(world, 60_000);
  const v1 = await trainAndRegister(api, options.model, 'v1', data, { description: 'initial model' });
  await api.request('POST', `/api/v1/models/${options.model}/actions/promote`, { json: { version: 'v1', reason: 'initial deployment' } });
  say('promote', `v1 registered (hold-out AUC ${v1.auc.toFixed(3)}) and serving`);

  const driver = new TrafficDriver(api, world, clock, { model: options.model, usersPerMinute: options.usersPerMinute, candidates: options.candidates });
  let lastTick = clock.now();
  let lastMinute = Math.floor(lastTick / MINUTE);
  let auditSeen = new Date(start).toISOString();
  const seenAudit = new Set<string>();
  let champion = 'v1';
  let driftAt = 0;
  let promotedAt = 0;
  let act2Start = 0;
  let act2Experiment: string | undefined;
  let rolledBack = false;
  let job: { progress: number; message: string } | undefined;
  let deadline = start + (options.driftAtMinute + options.actTimeoutMinutes) * MINUTE;

  const everyMinute = async (now: number) => {
    const metrics = await fetch(`${api.baseUrl}/metrics`).then((r) => r.text());
    const samples = parseExposition(metrics);
    const value = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? null;
    const kpis = await api.request<{ series: Array<{ kpi: string; points: Array<[number, number | null]> }> }>(
      'GET',
      `/api/v1/models/${options.model}/kpis?from=${now - 5 * MINUTE}&to=${now}&step=5m&kpi=ctr&kpi=cvr&kpi=auc&kpi=latency_p99`,
    );
    const pick = (kpi: string) => kpis.series.find((s) => s.kpi === kpi)?.points.at(-1)?.[1] ?? null;
    const aliases = await api.request<{ champion?: string | null }>('GET', `/api/v1/models/${options.model}/aliases`);
    champion = aliases.champion ?? champion;
    timeline.sample({
      ts: now,
      ctr: pick('ctr'),
      trueCtr: null,
      cvr: pick('cvr'),
      auc: pick('auc'),
      p99Ms: pick('latency_p99'),
      driftShare: value('modelwatch_dataset_drift_share', { model: options.model, version: champion }),
      champion,
    });
    const audit = await api.request<{ actions: Parameters<typeof auditToEvent>[0][] }>('GET', `/api/v1/audit?model=${options.model}&from=${encodeURIComponent(auditSeen)}`);
    for (const entry of audit.actions.reverse()) {
      if (seenAudit.has(entry.id)) continue;
      seenAudit.add(entry.id);
      auditSeen = entry.createdAt;
      const event = auditToEvent(entry, act);
      if (event) timeline.event(event);
    }
    const jobs = await api.request<{ jobs: Array<{ state: string; progress: number; message?: string | null }> }>('GET', `/api/v1/jobs?model=${options.model}`);
    const running = jobs.jobs.find((j) => j.state === 'running' || j.state === 'queued');
    job = running ? { progress: running.progress, message: running.message ?? running.state } : job && { progress: 1, message: 'done' };
  };

  for (;;) {
    await sleep(options.tickMs);
    const now = clock.now();
    await driver.tick(now - lastTick);
    lastTick = now;
    const minute = Math.floor(now / MINUTE);
    if (minute !== lastMinute) {
      lastMinute = minute;
      await everyMinute(now);
    }
    if (!driftAt && now - start >= options.driftAtMinute * MINUTE) {
      driftAt = now;
      world.state = { ...world.state, ...demoDrift };
      say('drift', 'drift injected: prices up 30% and a new market (price-sensitive users) opens with half of the traffic');
    }
    if (act === 1 && champion !== 'v1' && !promotedAt) {
      promotedAt = now;
      say('info', `act 1 done: ${champion} is champion after drift → alert → retrain → gate → canary → promotion`);
    }
    // Ten minutes of v2, and samples of them: on a compressed clock one loop can span many minutes, and the summary's "after promotion" row needs samples.
    if (act === 1 && ((promotedAt && now - promotedAt >= 10 * MINUTE && timeline.samples.filter((s) => s.ts >= promotedAt + MINUTE).length >= 3) || now > deadline)) {
      act = 2;
      act2Start = now;
      deadline = now + options.actTimeoutMinutes * MINUTE;
      say('info', 'act 2: a bad candidate (trained on shuffled labels) goes into a canary experiment with a CTR guardrail');
      // Act 1 may have run out of time with its canary still deciding: end it first.
      const running = await api.request<{ experiments: Array<{ id: string }> }>('GET', `/api/v1/experiments?model=${options.model}&status=running`);
      for (const experiment of running.experiments) {
        await api.request('POST', `/api/v1/experiments/${experiment.id}/stop`, { json: { decision: 'none', reason: 'demo: act 1 ran out of time' } });
        say('experiment', `stopped the undecided canary ${experiment.id} (act 1 ran out of time)`);
      }
      const bad = explorationData(world, 30_000);
      await trainAndRegister(api, options.model, 'v-bad', bad, { shuffleLabels: true, description: 'bad candidate (shuffled labels)' });
      const created = await api.request<{ experiment: { id: string } }>('POST', '/api/v1/experiments', {
        json: { model: options.model, ...badCanary(champion) },
      });
      act2Experiment = created.experiment.id;
    }
    if (act === 2 && act2Experiment && !rolledBack) {
      const { experiment } = await api.request<{ experiment: { status: string; decision: string | null } }>('GET', `/api/v1/experiments/${act2Experiment}`);
      if (experiment.status !== 'running') {
        rolledBack = true;
        say('rollback', `canary stopped (${experiment.decision ?? experiment.status}): v-bad no longer serves; ${champion} keeps all traffic`);
      }
    }
    for (const line of options.notifications?.() ?? []) say('notify', line);
    view.render({ act, simTime: now, progress: Math.min(1, (now - start) / (deadline - start)), latest: timeline.samples.at(-1), job, events: timeline.events });
    if ((act === 2 && rolledBack && now - act2Start >= 5 * MINUTE) || (act === 2 && now > deadline)) break;
  }
  await everyMinute(clock.now());
  view.render({ act, simTime: clock.now(), progress: 1, latest: timeline.samples.at(-1), job, events: timeline.events });
  const end = clock.now();
  const summary = [
    timeline.summarize('before drift (v1)', start + 5 * MINUTE, driftAt),
    timeline.summarize('after drift, before retrain', driftAt + 5 * MINUTE, promotedAt || act2Start),
    timeline.summarize(`after promotion (${champion})`, promotedAt ? promotedAt + MINUTE : act2Start, act2Start),
    timeline.summarize('act 2: bad canary, then rollback', act2Start, end),
  ];
  return { timeline, summary, act1: { promoted: promotedAt ? champion : undefined, ok: Boolean(promotedAt) }, act2: { rolledBack, ok: rolledBack } };
}
