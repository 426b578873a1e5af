import React from 'react';
import { screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { RecentAlerts } from './RecentAlerts';

describe('RecentAlerts', () => {
  it('shows each alert with what the policies decided', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/incidents': {
        data: {
          incidents: [
            {
              id: 'i1',
              source: 'grafana',
              alertname: 'ModelCTRDrop',
              model: 'ctr',
              severity: null,
              status: 'firing',
              labels: {},
              startsAt: new Date().toISOString(),
              deliveries: 1,
              decision: {
                id: 'd1',
                incidentId: 'i1',
                model: 'ctr',
                action: 'rollback',
                policy: 'p',
                mode: 'dry_run',
                outcome: 'dry_run',
                reason: 'dry run: would rollback "ctr" (policy "p")',
                createdAt: '',
                decidedBy: null,
                actionId: null,
                jobId: null,
                error: null,
              },
            },
          ],
        },
      },
    });
    renderWithProviders(<RecentAlerts />);
    expect(await screen.findByText('rollback · dry run')).toBeInTheDocument();
    expect(screen.getByText('dry run: would rollback "ctr" (policy "p")')).toBeInTheDocument();
    expect(fake.requests[0]!.params).toEqual({ limit: 20 });
  });
});
