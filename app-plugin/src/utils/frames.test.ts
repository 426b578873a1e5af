import { featureDrift, kpiSeriesFrames } from './frames';

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
    expect(frame!.fields[1]!.config).toEqual({ unit: 'ms', displayNameFromDS: 'p99 v2 · b' });
    expect(frame!.fields[1]!.values).toEqual([250, null]);
  });
});

describe('featureDrift', () => {
  it('keeps the latest verdict and the score history, drifted first', () => {
    const rows = featureDrift({
      windows: [
        {
          start: 2,
          driftShare: 0.5,
          datasetDrifted: false,
          features: [
            { feature: 'age', method: 'psi', score: 0.05, drifted: false },
            { feature: 'zip', method: 'psi', score: 0.4, drifted: true },
          ],
        },
        {
          start: 1,
          driftShare: 0,
          datasetDrifted: false,
          features: [
            { feature: 'age', method: 'psi', score: 0.01, drifted: false },
            { feature: 'zip', method: 'psi', score: 0.02, pValue: 0.5, drifted: false },
          ],
        },
      ],
    });
    expect(rows.map((r) => r.feature)).toEqual(['zip', 'age']);
    expect(rows[0]).toMatchObject({ score: 0.4, drifted: true, pValue: null, times: [1, 2], scores: [0.02, 0.4] });
  });
});
