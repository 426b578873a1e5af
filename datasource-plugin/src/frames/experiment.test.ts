import { experimentFrame } from './experiment';
import type { ExperimentResults } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';

const comparison = { effect: 0.1, difference: 'relative' as const, ci: [0.02, 0.18] as [number, number], pValue: 0.01, adjustedPValue: 0.02, significant: true, chanceToWin: 0.99 };
const results = partial<ExperimentResults>({
  experimentId: 'exp-1',
  model: 'ctr',
  srm: { pValue: 0.5, mismatch: false },
  decision: { recommendation: 'promote', reasons: [], winner: null },
  metrics: [
    { metric: 'cvr', role: 'secondary', kind: 'proportion', arms: [{ arm: 'control', version: 'v1', n: 50, mean: 0.1, comparison: null }] },
    {
      metric: 'ctr',
      role: 'primary',
      kind: 'proportion',
      arms: [
        { arm: 'control', version: 'v1', n: 1000, mean: 0.05, comparison: null },
        { arm: 'treatment', version: 'v2', n: 990, mean: 0.055, comparison },
      ],
    },
  ],
});

describe('experimentFrame', () => {
  it('uses the primary metric by default and shows lift as a percentage', () => {
    const frame = experimentFrame('C', results, 'lift');
    expect(frame.fields.map((f) => f.name)).toEqual(['arm', 'version', 'n', 'mean', 'lift']);
    expect(frame.fields[4]!.values).toEqual([null, 0.1]);
    expect(frame.fields[4]!.config.unit).toBe('percentunit');
    expect(frame.fields[4]!.config.displayName).toBe('Lift (ctr)');
  });

  it('gives the interval bounds beside the lift, and the adjusted p-value', () => {
    const ci = experimentFrame('C', results, 'ci', 'ctr');
    expect(ci.fields.map((f) => f.name)).toEqual(['arm', 'version', 'n', 'mean', 'lift', 'ciLow', 'ciHigh']);
    expect(ci.fields[6]!.values).toEqual([null, 0.18]);
    expect(experimentFrame('C', results, 'pValue').fields[4]!.values).toEqual([null, 0.02]);
  });

  it('picks a named metric, and is empty for an unknown one', () => {
    expect(experimentFrame('C', results, 'chanceToWin', 'cvr').fields[0]!.values).toEqual(['control']);
    expect(experimentFrame('C', results, 'chanceToWin', 'nope').length).toBe(0);
  });
});
