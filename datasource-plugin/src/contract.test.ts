// Real backend replies (@modelwatch/plugin-api/testing: recorded) through the frame builders.
import { FieldType } from '@grafana/data';
import { recorded } from '@modelwatch/plugin-api/testing';
import { auditFrame } from './frames/audit';
import { driftFrames } from './frames/drift';
import { experimentFrame } from './frames/experiment';
import { healthFrame } from './frames/health';
import { kpiFrames } from './frames/kpi';

const { audit, drift, experiments, health, kpis, results } = recorded;
const numbersOrNull = (values: unknown[]) =>
  values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v)));

describe('frames from real backend replies', () => {
  it('KPI series: a time field and a numeric field with a unit per series', () => {
    const frames = kpiFrames('A', 'shop-ctr', kpis);
    expect(frames.length).toBe(kpis.series.length);
    for (const frame of frames) {
      expect(frame.fields[0]!.type).toBe(FieldType.time);
      expect(frame.fields[1]!.config.unit).toBeDefined();
      expect(numbersOrNull(frame.fields[1]!.values)).toBe(true);
    }
    const ctr = frames.find((f) => f.fields[1]!.name === 'ctr')!;
    expect(ctr.fields[1]!.config.unit).toBe('percentunit');
  });

  it('drift: one series per feature and method, and the drift share', () => {
    const frames = driftFrames('B', 'shop-ctr', drift, 'score');
    const features = new Set(drift.versions[0]!.windows.flatMap((w) => w.features.map((f) => f.feature)));
    expect(frames.length).toBeGreaterThanOrEqual(features.size + 1);
    expect(frames.every((f) => numbersOrNull(f.fields[1]!.values))).toBe(true);
    const pValues = driftFrames('B', 'shop-ctr', drift, 'pValue');
    expect(pValues.every((f) => f.fields[1]!.values.every((v) => v === null || (v >= 0 && v <= 1)))).toBe(true);
  });

  it('experiment results: rows per arm with lift, interval and chance to win', () => {
    for (const field of ['lift', 'ci', 'pValue', 'chanceToWin'] as const) {
      const frame = experimentFrame('C', results, field);
      expect(frame.length).toBeGreaterThan(1);
      expect(frame.fields[0]!.values[0]).toBe('champion');
      expect(frame.fields.at(-1)!.values[0]).toBeNull();
      expect(typeof frame.fields.at(-1)!.values[1]).toBe('number');
    }
    expect(experiments.experiments[0]!.status).toBe('stopped');
  });

  it('health and audit', () => {
    const frame = healthFrame('D', [{ model: 'shop-ctr', health: health }]);
    expect(frame.fields[1]!.values[0]).toBe(health.score);
    const entries = audit.actions;
    const anno = auditFrame('E', entries);
    expect(anno.length).toBe(entries.length);
    expect(anno.fields[0]!.values.every((t: number) => Number.isFinite(t))).toBe(true);
  });
});
