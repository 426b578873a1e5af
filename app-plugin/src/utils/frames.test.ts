import type { DriftResponse } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { featureDrift, kpiSeriesFrames, pickVersion } from './frames';

describe('kpiSeriesFrames', () => {
  it('names series by KPI, version and arm and sets units', () => {
    const [frame] = kpiSeriesFrames([
      {
        kpi: 'latency_p99',
        version: 'v2',
        arm: 'b',
        points: [
          [1, 250],
          [2, null],
        ],
      },
    ]);
    expect(frame!.fields[1]!.config).toEqual({ unit: 'ms', displayNameFromDS: 'Latency p99 v2 · b' });
    expect(frame!.fields[1]!.values).toEqual([250, null]);
  });
});

describe('featureDrift', () => {
  const response = partial<DriftResponse>({
    versions: [
      { version: 'v1', windows: [] },
      {
        version: 'v2',
        windows: [
          {
            ts: 2,
            driftShare: 0.5,
            datasetDrifted: false,
            features: [
              { feature: 'age', method: 'psi', score: 0.05, drifted: false },
              { feature: 'zip', method: 'ks', score: 0.4, pValue: 0.001, adjustedPValue: 0.002, drifted: true },
            ],
          },
          {
            ts: 1,
            driftShare: 0,
            datasetDrifted: false,
            features: [
              { feature: 'age', method: 'psi', score: 0.01, drifted: false },
              { feature: 'zip', method: 'ks', score: 0.02, pValue: 0.5, drifted: false },
            ],
          },
        ],
      },
    ],
  });

  it('picks the champion version when present', () => {
    expect(pickVersion(response, 'v2')!.version).toBe('v2');
    expect(pickVersion(response, 'v9')!.version).toBe('v1');
    expect(pickVersion(partial<DriftResponse>({ versions: [] }))).toBeUndefined();
  });

  it('keeps the latest verdict and the score history, drifted first', () => {
    const rows = featureDrift(pickVersion(response, 'v2')!.windows);
    expect(rows.map((r) => r.feature)).toEqual(['zip', 'age']);
    expect(rows[0]).toMatchObject({ score: 0.4, drifted: true, pValue: 0.002, times: [1, 2], scores: [0.02, 0.4] });
    expect(rows[1]!.pValue).toBeNull();
  });
});
