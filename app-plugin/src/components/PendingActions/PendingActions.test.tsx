import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { PendingActions } from './PendingActions';

const pending = {
  id: 'd1',
  incidentId: 'i1',
  model: 'ctr',
  action: 'rollback' as const,
  policy: 'ctr-drop',
  mode: 'approval' as const,
  outcome: 'pending' as const,
  reason: 'policy "ctr-drop" needs approval',
  createdAt: new Date().toISOString(),
  decidedBy: null,
  actionId: null,
  jobId: null,
  error: null,
  incident: {
    id: 'i1',
    source: 'grafana',
    alertname: 'ModelCTRDrop',
    model: 'ctr',
    severity: null,
    status: 'firing' as const,
    labels: {},
    startsAt: '',
    deliveries: 1,
    decision: null,
  },
};

describe('PendingActions', () => {
  it('lets an admin approve with a reason', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'GET /read/api/v1/policies/pending': { data: { pending: [pending] } },
      'POST /admin/api/v1/policies/pending/d1/approve': { data: { decision: { ...pending, outcome: 'acted' } } },
    });
    renderWithProviders(<PendingActions />);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve' }));
    expect(screen.getByText('The rollback of ctr runs now, recorded as approved by you.')).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'confirmed on dashboard' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    await waitFor(() =>
      expect(fake.requests.find((r) => r.method === 'POST')?.data).toEqual({ reason: 'confirmed on dashboard' })
    );
  });

  it('shows viewers the queue without buttons', async () => {
    setRole(config, 'Viewer');
    fake = fakeFetch({ 'GET /read/api/v1/policies/pending': { data: { pending: [pending] } } });
    renderWithProviders(<PendingActions />);
    expect(await screen.findByText('ModelCTRDrop (firing)')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });
});
