import type { DriftResponse, VersionDrift } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { driftFrames } from './drift';

const version = (name: string, scale = 1) =>
  partial<VersionDrift>({
    version: name,
    windows: [
      {
        ts: 2000,
        driftShare: 0.5,
        datasetDrifted: false,
        features: [
          { feature: 'age', method: 'psi', score: 0.3 * scale, drifted: true },
          { feature: 'price', method: 'ks', score: 0.01, pValue: 0.9, adjustedPValue: 0.95, drifted: false },
        ],
      },
      {
        ts: 1000,
        driftShare: 0,
        datasetDrifted: false,
        features: [
          { feature: 'age', method: 'psi', score: 0.02 * scale, drifted: false },
          { feature: 'price', method: 'ks', score: 0.02, pValue: 0.8, drifted: false },
        ],
      },
    ],
  });

describe('driftFrames', () => {
  it('makes one series per feature and method in time order, plus the drift share', () => {
    const frames = driftFrames('B', 'm', partial<DriftResponse>({ versions: [version('v1')] }), 'score');
    expect(frames.map((f) => f.name)).toEqual(['age', 'price', 'drift share']);
    expect(frames[0]!.fields[0]!.values).toEqual([1000, 2000]);
    expect(frames[0]!.fields[1]!.values).toEqual([0.02, 0.3]);
    expect(frames[0]!.fields[1]!.config.displayNameFromDS).toBe('age (psi)');
    expect(frames[0]!.fields[1]!.labels).toEqual({ model: 'm', version: 'v1', feature: 'age', method: 'psi' });
    expect(frames[2]!.fields[1]!.values).toEqual([0, 0.5]);
    expect(frames[2]!.fields[1]!.config.unit).toBe('percentunit');
  });

  it('shows drifted as 0/1 and the p-value the verdict used (adjusted when present)', () => {
    const drifted = driftFrames('B', 'm', partial<DriftResponse>({ versions: [version('v1')] }), 'drifted', ['age']);
    expect(drifted).toHaveLength(1);
    expect(drifted[0]!.fields[1]!.values).toEqual([0, 1]);
    const pValues = driftFrames('B', 'm', partial<DriftResponse>({ versions: [version('v1')] }), 'pValue', [
      'age',
      'price',
    ]);
    expect(pValues[0]!.fields[1]!.values).toEqual([null, null]);
    expect(pValues[1]!.fields[1]!.values).toEqual([0.8, 0.95]);
  });

  it('names the version when several are compared', () => {
    const frames = driftFrames(
      'B',
      'm',
      partial<DriftResponse>({ versions: [version('v1'), version('v2', 2)] }),
      'score',
      ['age']
    );
    expect(frames.map((f) => f.fields[1]!.config.displayNameFromDS)).toEqual(['v1 age (psi)', 'v2 age (psi)']);
    expect(frames[1]!.fields[1]!.values).toEqual([0.04, 0.6]);
  });
});
