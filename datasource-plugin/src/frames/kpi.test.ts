import { FieldType } from '@grafana/data';
import type { KpiResponse } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { kpiFrames } from './kpi';

describe('kpiFrames', () => {
  const response = partial<KpiResponse>({
    series: [
      {
        kpi: 'ctr' as const,
        version: 'v2',
        arm: 'treatment',
        points: [
          [1000, 0.05],
          [61000, null],
        ] as Array<[number, number | null]>,
      },
      { kpi: 'latency_p99' as const, version: 'v1', arm: '*', points: [[1000, 120]] as Array<[number, number | null]> },
    ],
  });

  it('makes one time series per series with unit, labels and display name', () => {
    const [ctr, latency] = kpiFrames('A', 'ctr-model', response);
    expect(ctr!.refId).toBe('A');
    expect(ctr!.fields[0]!.type).toBe(FieldType.time);
    expect(ctr!.fields[0]!.values).toEqual([1000, 61000]);
    const value = ctr!.fields[1]!;
    expect(value.type).toBe(FieldType.number);
    expect(value.values).toEqual([0.05, null]);
    expect(value.config.unit).toBe('percentunit');
    expect(value.config.displayNameFromDS).toBe('CTR v2 · treatment');
    expect(value.labels).toEqual({ model: 'ctr-model', kpi: 'ctr', version: 'v2', arm: 'treatment' });
    expect(latency!.fields[1]!.config.unit).toBe('ms');
    expect(latency!.fields[1]!.labels).not.toHaveProperty('arm');
  });
});
