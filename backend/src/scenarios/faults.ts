import { createRng } from '../core/random.ts';
import type { PredictionRecord, PredictionSink } from '../serving/prediction-log.ts';
import type { Injection } from './engine-api.ts';

/** Simulated serving latency without any injection: 3–6 ms, a few slow requests. */
function baseLatency(random: () => number): number {
  return 3 + 3 * random() + (random() < 0.02 ? 20 * random() : 0);
}

/** A unit's fixed position in [0, 1) (FNV-1a of its id): the same units are lost every minute. */
function unitPosition(unitId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < unitId.length; i++) h = Math.imul(h ^ unitId.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

const activeAt = (i: { at: number; until?: number | undefined }, minute: number): boolean => minute >= i.at && (i.until === undefined || minute < i.until);

/**
 * The simulated world's side of serving: what the scenario injected (latency, errors, lost
 * units, CTR changes, label delay) at the current minute. Latency and errors are applied where
 * served predictions reach the monitor (`sink`), so the service's metrics, alerts and
 * guardrails see them as they would see a slow or failing replica; ONNX scoring itself runs
 * for real. Wall-clock latency is never logged (it would differ between machines).
 */
export class WorldFaults {
  private readonly injections: Injection[] = [];
  private readonly random: () => number;
  private minute = 0;
  /** Prediction ids of this minute that failed or whose unit was lost. */
  readonly failed = new Set<string>();
  readonly lost = new Set<string>();
  /** Simulated latencies of this minute per version. */
  readonly latencies = new Map<string, number[]>();

  constructor(seed: number) {
    this.random = createRng(seed * 7919 + 17);
  }

  add(injection: Injection): void {
    this.injections.push(injection);
  }

  /** A new minute: forgets the last minute's ids and latencies. */
  startMinute(minute: number): void {
    this.minute = minute;
    this.failed.clear();
    this.lost.clear();
    this.latencies.clear();
  }

  private active<K extends Injection['kind']>(kind: K): Array<Extract<Injection, { kind: K }>> {
    return this.injections.filter((i): i is Extract<Injection, { kind: K }> => i.kind === kind && activeAt(i, this.minute));
  }

  ctrFactor(version: string): number {
    return this.active('ctr')
      .filter((i) => i.version === version)
      .reduce((f, i) => f * i.factor, 1);
  }

  labelDelayMinutes(base: number): number {
    return this.active('label-delay').reduce((d, i) => Math.max(d, i.minutes), base);
  }

  visitsPerMinute(base: number): number {
    const changes = this.injections.filter((i): i is Extract<Injection, { kind: 'traffic' }> => i.kind === 'traffic' && i.at <= this.minute);
    return changes.at(-1)?.visitsPerMinute ?? base;
  }

  /** Decorates where served predictions go: drops lost units, sets simulated latency and injected errors. */
  sink(inner: PredictionSink): PredictionSink {
    return {
      ingestPredictions: (model, records, options) => inner.ingestPredictions(model, this.apply(records as PredictionRecord[]), options),
    };
  }

  private apply(records: PredictionRecord[]): PredictionRecord[] {
    const out: PredictionRecord[] = [];
    const losses = this.active('unit-loss');
    const slow = this.active('latency');
    const errors = this.active('errors');
    for (const r of records) {
      if (r.arm !== undefined && r.unitId !== undefined && losses.some((l) => l.arm === r.arm && unitPosition(r.unitId!) < l.share)) {
        this.lost.add(r.id);
        continue;
      }
      let latencyMs = baseLatency(this.random);
      for (const s of slow) if (s.version === r.version && this.random() < (s.share ?? 1)) latencyMs += s.addMs;
      let list = this.latencies.get(r.version);
      if (!list) this.latencies.set(r.version, (list = []));
      list.push(latencyMs);
      const rate = errors.filter((e) => e.version === r.version).reduce((p, e) => 1 - (1 - p) * (1 - e.rate), 0);
      if (rate > 0 && this.random() < rate) {
        this.failed.add(r.id);
        out.push({ ...r, latencyMs, score: null, error: 'injected by the scenario: the replica failed to score' });
      } else {
        out.push({ ...r, latencyMs });
      }
    }
    return out;
  }
}
