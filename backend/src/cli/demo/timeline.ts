/** What the demo shows and reports: KPI samples per simulated minute and the story's events. */
export interface KpiSample {
  ts: number;
  ctr: number | null;
  /** The simulated world's true CTR of what was shown (no click-draw noise). */
  trueCtr: number | null;
  cvr: number | null;
  /** Online AUC of the served scores against the click labels (label-based quality, monitor/kpi.ts). */
  auc: number | null;
  p99Ms: number | null;
  driftShare: number | null;
  champion: string;
}

export interface StoryEvent {
  ts: number;
  act: 1 | 2;
  kind: 'info' | 'drift' | 'alert' | 'notify' | 'action' | 'job' | 'experiment' | 'promote' | 'rollback';
  message: string;
}

export interface SummaryRow {
  phase: string;
  ctr: number | null;
  trueCtr: number | null;
  cvr: number | null;
  auc: number | null;
  p99Ms: number | null;
  driftShare: number | null;
  champion: string;
}

export class Timeline {
  readonly samples: KpiSample[] = [];
  readonly events: StoryEvent[] = [];

  event(event: StoryEvent): void {
    this.events.push(event);
  }

  sample(sample: KpiSample): void {
    this.samples.push(sample);
  }

  /** Mean of each KPI over the samples in [from, to). */
  summarize(phase: string, from: number, to: number): SummaryRow {
    const inRange = this.samples.filter((s) => s.ts >= from && s.ts < to);
    const mean = (pick: (s: KpiSample) => number | null): number | null => {
      const values = inRange.map(pick).filter((v): v is number => v !== null);
      return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
    };
    return {
      phase,
      ctr: mean((s) => s.ctr),
      trueCtr: mean((s) => s.trueCtr),
      cvr: mean((s) => s.cvr),
      auc: mean((s) => s.auc),
      p99Ms: mean((s) => s.p99Ms),
      driftShare: mean((s) => s.driftShare),
      champion: inRange.at(-1)?.champion ?? '',
    };
  }
}

export const formatPercent = (value: number | null, digits = 2): string =>
  value === null ? '—' : `${(value * 100).toFixed(digits)}%`;
export const formatMs = (value: number | null): string => (value === null ? '—' : `${value.toFixed(1)} ms`);
export const formatNumber = (value: number | null, digits = 2): string => (value === null ? '—' : value.toFixed(digits));
