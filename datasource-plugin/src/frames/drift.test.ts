import { driftFrames } from './drift';

const response = {
  windows: [
    {
      start: 2000,
      driftShare: 0.5,
      datasetDrifted: false,
      features: [
        { feature: 'age', method: 'psi', score: 0.3, drifted: true },
        { feature: 'price', method: 'psi', score: 0.01, pValue: 0.9, drifted: false },
      ],
    },
    {
      ts: 1000,
      driftShare: 0,
      datasetDrifted: false,
      features: [
        { feature: 'age', method: 'psi', score: 0.02, drifted: false },
        { feature: 'price', method: 'psi', score: 0.02, pValue: 0.8, drifted: false },
      ],
    },
  ],
};

describe('driftFrames', () => {
  it('makes one series per feature in time order, plus the drift share', () => {
    const frames = driftFrames('B', 'm', response, 'score');
    expect(frames.map((f) => f.name)).toEqual(['age', 'price', 'drift share']);
    expect(frames[0]!.fields[0]!.values).toEqual([1000, 2000]);
    expect(frames[0]!.fields[1]!.values).toEqual([0.02, 0.3]);
    expect(frames[0]!.fields[1]!.config.displayNameFromDS).toBe('age (psi)');
    expect(frames[2]!.fields[1]!.values).toEqual([0, 0.5]);
    expect(frames[2]!.fields[1]!.config.unit).toBe('percentunit');
  });

  it('shows drifted as 0/1 and p-values as null where a method has none', () => {
    const drifted = driftFrames('B', 'm', response, 'drifted', ['age']);
    expect(drifted).toHaveLength(1);
    expect(drifted[0]!.fields[1]!.values).toEqual([0, 1]);
    const pValues = driftFrames('B', 'm', response, 'pValue', ['age', 'price']);
    expect(pValues[0]!.fields[1]!.values).toEqual([null, null]);
    expect(pValues[1]!.fields[1]!.values).toEqual([0.8, 0.9]);
  });
});
