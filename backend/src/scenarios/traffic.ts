import type { VersionKpis } from './engine-api.ts';
import type { WorldFaults } from './faults.ts';
import type { Population } from './population.ts';
import type { World } from './world.ts';

const MAX_VISITS_PER_CALL = 500;

export interface TrafficPorts {
  predict(model: string, input: { instances: unknown[] }): Promise<{ predictions: Array<{ predictionId: string; version: string; score: number | null }> }>;
  /** Hands the served predictions to the monitor now (the world's faults apply there). */
  flushPredictions(): Promise<void>;
  ingestOutcomes(model: string, records: unknown[]): Promise<unknown>;
}

interface Outcome {
  id: string;
  ts: number;
  impression: number;
  click: number;
  conversion: number;
  label: number;
}

export type Count = Omit<VersionKpis, 'ctr' | 'expectedCtr' | 'cvr' | 'p99Ms'>;

/** Per-version ground truth of one minute. */
export class MinuteCounts {
  readonly byVersion = new Map<string, Count>();

  of(version: string): Count {
    let c = this.byVersion.get(version);
    if (!c) this.byVersion.set(version, (c = { visits: 0, impressions: 0, clicks: 0, expectedClicks: 0, conversions: 0, errors: 0, lostVisits: 0 }));
    return c;
  }
}

/**
 * One virtual minute of shoppers through the serving domain: each visit's candidates are
 * scored in one predict call per batch (each instance carries its unit as `unitId`, so
 * experiments assign units), the best-scored candidate is shown, and the world draws the
 * click and conversion. Outcomes are ingested at the minute they are due (label delay).
 */
export class ScenarioTraffic {
  private readonly ports: TrafficPorts;
  private readonly world: World;
  private readonly population: Population;
  private readonly faults: WorldFaults;
  private readonly model: string;
  private readonly candidates: number;
  private readonly pending = new Map<number, Outcome[]>();

  constructor(deps: { ports: TrafficPorts; world: World; population: Population; faults: WorldFaults; model: string; candidates: number }) {
    this.ports = deps.ports;
    this.world = deps.world;
    this.population = deps.population;
    this.faults = deps.faults;
    this.model = deps.model;
    this.candidates = deps.candidates;
  }

  /** Serves `visits` visits at `now` (minute `minute`); outcomes become due `labelDelay` minutes later. */
  async serve(visits: number, now: number, minute: number, labelDelay: number): Promise<MinuteCounts> {
    const counts = new MinuteCounts();
    for (let done = 0; done < visits; done += MAX_VISITS_PER_CALL) {
      await this.batch(Math.min(MAX_VISITS_PER_CALL, visits - done), now, minute + labelDelay, counts);
    }
    return counts;
  }

  /** Ingests the outcomes due at `minute` (and any overdue). */
  async deliverOutcomes(minute: number): Promise<void> {
    const due = [...this.pending.keys()].filter((m) => m <= minute).sort((a, b) => a - b);
    for (const m of due) {
      const records = this.pending.get(m)!;
      this.pending.delete(m);
      for (let i = 0; i < records.length; i += 5000) await this.ports.ingestOutcomes(this.model, records.slice(i, i + 5000));
    }
  }

  private async batch(visits: number, now: number, dueMinute: number, counts: MinuteCounts): Promise<void> {
    const k = this.candidates;
    const units = Array.from({ length: visits }, () => this.population.visit());
    const offers = units.map((unit) => this.world.candidates(unit.user, k, unit.propensity));
    const instances = units.flatMap((unit, u) => offers[u]!.map((offer) => ({ unitId: unit.user.id, features: offer.features })));
    const { predictions } = await this.ports.predict(this.model, { instances });
    await this.ports.flushPredictions();
    let due = this.pending.get(dueMinute);
    if (!due) this.pending.set(dueMinute, (due = []));
    for (let u = 0; u < visits; u++) {
      let best = u * k;
      for (let j = u * k + 1; j < (u + 1) * k; j++) {
        if ((predictions[j]?.score ?? -1) > (predictions[best]?.score ?? -1)) best = j;
      }
      const shown = predictions[best]!;
      const c = counts.of(shown.version);
      c.visits++;
      // Drawn for every visit, so what a fault changes does not shift the rest of the world's draws.
      const clickDraw = this.world.random();
      const conversionDraw = this.world.random();
      if (this.faults.lost.has(shown.predictionId)) {
        c.lostVisits++;
        continue;
      }
      if (this.faults.failed.has(shown.predictionId)) {
        c.errors++;
        continue;
      }
      const offer = offers[u]![best - u * k]!;
      const p = Math.min(1, offer.clickProbability * this.faults.ctrFactor(shown.version));
      const click = clickDraw < p ? 1 : 0;
      c.expectedClicks += p;
      const conversion = click && conversionDraw < offer.conversionProbability ? 1 : 0;
      c.impressions++;
      c.clicks += click;
      c.conversions += conversion;
      due.push({ id: shown.predictionId, ts: now, impression: 1, click, conversion, label: click });
    }
  }
}
