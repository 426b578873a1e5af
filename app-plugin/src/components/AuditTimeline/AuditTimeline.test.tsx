import React from 'react';
import { screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { AuditTimeline } from './AuditTimeline';

describe('AuditTimeline', () => {
  it('shows what happened, by whom and why', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/audit': {
        data: {
          actions: [
            {
              id: '2',
              type: 'rollback',
              status: 'succeeded',
              model: 'ctr',
              actor: 'grafana:alice',
              reason: 'CTR -20%',
              fromVersion: 'v3',
              toVersion: 'v2',
              jobId: null,
              createdAt: new Date().toISOString(),
            },
            {
              id: '1',
              type: 'retrain',
              status: 'failed',
              model: 'ctr',
              actor: 'policy',
              reason: null,
              fromVersion: null,
              toVersion: null,
              jobId: 'j1',
              createdAt: new Date().toISOString(),
            },
          ],
        },
      },
    });
    renderWithProviders(<AuditTimeline model="ctr" />);
    expect(await screen.findByText('rollback v3 → v2')).toBeInTheDocument();
    expect(screen.getByText(/by grafana:alice — CTR -20%/)).toBeInTheDocument();
    expect(screen.getByText('retrain (failed)')).toBeInTheDocument();
    expect(fake.requests[0]!.params).toEqual({ model: 'ctr', limit: 50 });
  });
});
