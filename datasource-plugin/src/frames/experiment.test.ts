import { experimentFrame } from './experiment';

const results = {
  id: 'exp-1',
  metrics: [
    {
      metric: 'ctr',
      arms: [
        { arm: 'control', version: 'v1', n: 1000, value: 0.05 },
        {
          arm: 'treatment',
          version: 'v2',
          n: 990,
          value: 0.055,
          effect: 0.1,
          ci: [0.02, 0.18] as [number, number],
          pValue: 0.01,
          chanceToWin: 0.99,
        },
      ],
    },
    { metric: 'cvr', arms: [{ arm: 'control', n: 50, value: 0.1 }] },
  ],
};

describe('experimentFrame', () => {
  it('uses the first (primary) metric by default and shows lift as a percentage', () => {
    const frame = experimentFrame('C', results, 'lift');
    const names = frame.fields.map((f) => f.name);
    expect(names).toEqual(['arm', 'version', 'n', 'lift']);
    expect(frame.fields[3]!.values).toEqual([null, 0.1]);
    expect(frame.fields[3]!.config.unit).toBe('percentunit');
  });

  it('gives the interval bounds beside the lift', () => {
    const frame = experimentFrame('C', results, 'ci', 'ctr');
    expect(frame.fields.map((f) => f.name)).toEqual(['arm', 'version', 'n', 'lift', 'ciLow', 'ciHigh']);
    expect(frame.fields[4]!.values).toEqual([null, 0.02]);
    expect(frame.fields[5]!.values).toEqual([null, 0.18]);
  });

  it('picks a named metric, and is empty for an unknown one', () => {
    expect(experimentFrame('C', results, 'pValue', 'cvr').fields[0]!.values).toEqual(['control']);
    expect(experimentFrame('C', results, 'chanceToWin', 'nope').length).toBe(0);
  });
});
