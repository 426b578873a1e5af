import { experimentFrame } from './experiment';
import type { ExperimentResults } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';

const comparison = { effect: 0.1, difference: 'relative' as const, ci: [0.02, 0.18] as [number, number], pValue: 0.01, adjustedPValue: 0.02, significant: true, chanceToWin: 0.99 };
const results = partial<ExperimentResults>({
  experimentId: 'exp-1',
  model: 'ctr',
  analysisUnit: 'unit',
  srm: { pValue: 0.5, mismatch: false },
  decision: { recommendation: 'promote', reasons: [], winner: null },
  metrics: [
    { metric: 'cvr', role: 'secondary', kind: 'proportion', arms: [{ arm: 'control', version: 'v1', n: 50, events: 50, units: 20, mean: 0.1, comparison: null }] },
    {
      metric: 'ctr',
      role: 'primary',
      kind: 'proportion',
      unit: 'impression',
      analysisUnit: 'unit',
      arms: [
        { arm: 'control', version: 'v1', n: 1000, events: 1000, units: 300, mean: 0.05, comparison: null },
        { arm: 'treatment', version: 'v2', n: 990, events: 990, units: 310, mean: 0.055, comparison },
      ],
    },
  ],
});

describe('experimentFrame', () => {
  it('uses the primary metric by default and shows lift as a percentage', () => {
    const frame = experimentFrame('C', results, 'lift');
    expect(frame.fields.map((f) => f.name)).toEqual(['arm', 'version', 'n', 'units', 'analysisUnit', 'mean', 'lift']);
    expect(frame.fields[6]!.values).toEqual([null, 0.1]);
    expect(frame.fields[6]!.config.unit).toBe('percentunit');
    expect(frame.fields[6]!.config.displayName).toBe('Lift (ctr)');
  });

  it('shows events, units and the unit of analysis apart', () => {
    const frame = experimentFrame('C', results, 'lift');
    expect(frame.fields[2]!.values).toEqual([1000, 990]);
    expect(frame.fields[2]!.config.displayName).toBe('Events (impressions)');
    expect(frame.fields[3]!.values).toEqual([300, 310]);
    expect(frame.fields[4]!.values).toEqual(['unit', 'unit']);
  });

  it('gives the interval bounds beside the lift, and the adjusted p-value', () => {
    const ci = experimentFrame('C', results, 'ci', 'ctr');
    expect(ci.fields.map((f) => f.name)).toEqual(['arm', 'version', 'n', 'units', 'analysisUnit', 'mean', 'lift', 'ciLow', 'ciHigh']);
    expect(ci.fields[8]!.values).toEqual([null, 0.18]);
    expect(experimentFrame('C', results, 'pValue').fields[6]!.values).toEqual([null, 0.02]);
  });

  it('picks a named metric, and is empty for an unknown one', () => {
    expect(experimentFrame('C', results, 'chanceToWin', 'cvr').fields[0]!.values).toEqual(['control']);
    expect(experimentFrame('C', results, 'chanceToWin', 'nope').length).toBe(0);
  });
});
