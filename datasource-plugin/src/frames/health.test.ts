import type { HealthReason, Job, ModelHealth } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { healthFrame } from './health';
import { jobsFrame } from './jobs';

describe('healthFrame', () => {
  it('shows score as percent and joins the reasons', () => {
    const frame = healthFrame('D', [
      {
        model: 'a',
        health: partial<ModelHealth>({
          score: 0.4,
          status: 'failing',
          reasons: [
            partial<HealthReason>({ message: 'CTR -20%' }),
            partial<HealthReason>({ kpi: 'latency_p99', message: 'p99 620 ms' }),
          ],
        }),
      },
    ]);
    expect(frame.fields.map((f) => f.name)).toEqual(['model', 'score', 'status', 'reasons']);
    expect(frame.fields[1]!.config.unit).toBe('percentunit');
    expect(frame.fields[3]!.values).toEqual(['CTR -20%; p99 620 ms']);
  });
});

describe('jobsFrame', () => {
  it('lists jobs newest first with progress as percent', () => {
    const frame = jobsFrame('E', [
      partial<Job>({
        id: 'j1',
        status: 'succeeded',
        progress: 1,
        createdAt: '2026-01-01T00:00:00Z',
        producedVersion: 'v4',
      }),
      partial<Job>({ id: 'j2', status: 'running', progress: 0.25, createdAt: '2026-01-02T00:00:00Z' }),
    ]);
    const field = (name: string) => frame.fields.find((f) => f.name === name)!;
    expect(field('id').values).toEqual(['j2', 'j1']);
    expect(field('progress').config.unit).toBe('percentunit');
    expect(field('producedVersion').values).toEqual(['', 'v4']);
  });
});
