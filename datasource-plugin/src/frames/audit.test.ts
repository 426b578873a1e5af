import type { AuditEntry } from '@modelwatch/plugin-api';
import { auditFrame, auditTitle } from './audit';

const entry: AuditEntry = {
  id: 'a1',
  type: 'rollback',
  status: 'succeeded',
  model: 'ctr-model',
  actor: 'grafana:alice',
  reason: 'CTR fell 20%',
  fromVersion: 'v3',
  toVersion: 'v2',
  jobId: null,
  details: {},
  createdAt: '2026-01-01T00:00:10.000Z',
};

describe('auditFrame', () => {
  it('gives annotation fields: time, title, text, tags, color', () => {
    const retrain: AuditEntry = {
      ...entry,
      id: 'a0',
      type: 'retrain',
      status: 'queued',
      fromVersion: null,
      toVersion: null,
      jobId: 'j1',
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const frame = auditFrame('Anno', [entry, retrain]);
    const field = (name: string) => frame.fields.find((f) => f.name === name)!.values;
    expect(field('time')).toEqual([Date.parse(retrain.createdAt), Date.parse(entry.createdAt)]);
    expect(field('title')).toEqual(['ctr-model: retrain (queued)', 'ctr-model: rollback v3 → v2']);
    expect(field('text')[1]).toBe('by grafana:alice · reason: CTR fell 20%');
    expect(field('text')[0]).toContain('job j1');
    expect(field('tags')[1]).toEqual(['modelwatch', 'rollback', 'ctr-model', 'succeeded']);
    expect(field('color')).toEqual(['purple', 'red']);
  });

  it('titles entries without a model or versions', () => {
    expect(auditTitle({ ...entry, model: null, type: 'policy', fromVersion: null, toVersion: null })).toBe('policy');
  });
});
