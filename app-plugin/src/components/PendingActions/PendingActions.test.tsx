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
  id: 'p1',
  type: 'rollback',
  status: 'pending',
  model: 'ctr',
  fromVersion: 'v3',
  toVersion: 'v2',
  actor: 'policy:ctr-drop',
  reason: 'alert ModelCTRDrop',
  createdAt: new Date().toISOString(),
};

describe('PendingActions', () => {
  it('lets an admin approve with a reason', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'GET /read/api/v1/actions': { data: { actions: [pending] } },
      'POST /admin/api/v1/actions/p1/approve': { data: { action: { ...pending, status: 'succeeded' } } },
    });
    renderWithProviders(<PendingActions />);
    fireEvent.click(await screen.findByRole('button', { name: 'Approve' }));
    expect(screen.getByText('The rollback of ctr runs now, as if started by you.')).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'confirmed on dashboard' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    await waitFor(() =>
      expect(fake.requests.find((r) => r.method === 'POST')?.data).toEqual({ reason: 'confirmed on dashboard' })
    );
    expect(fake.requests[0]!.params).toEqual({ status: 'pending' });
  });

  it('shows viewers the queue without buttons', async () => {
    setRole(config, 'Viewer');
    fake = fakeFetch({ 'GET /read/api/v1/actions': { data: { actions: [pending] } } });
    renderWithProviders(<PendingActions />);
    expect(await screen.findByText('v3 → v2')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });
});
