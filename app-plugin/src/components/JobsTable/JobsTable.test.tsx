import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import type { Job } from '@modelwatch/plugin-api';
import { fakeFetch, partial, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { JobsTable } from './JobsTable';

const jobs = [
  partial<Job>({ id: 'j2', model: 'ctr', status: 'running', progress: 0.4 }),
  partial<Job>({ id: 'j1', model: 'ctr', status: 'succeeded', progress: 1, producedVersion: 'v4' }),
];

describe('JobsTable', () => {
  it('shows progress and lets an editor cancel a running job after confirming', async () => {
    setRole(config, 'Editor');
    fake = fakeFetch({ 'POST /edit/api/v1/jobs/j2/cancel': { data: { id: 'j2', status: 'cancelled' } } });
    renderWithProviders(<JobsTable jobs={jobs} />);
    expect(screen.getAllByRole('progressbar').map((p) => p.getAttribute('aria-valuenow'))).toEqual(['40', '100']);
    expect(screen.getByText('v4')).toBeInTheDocument();
    const cancels = screen.getAllByTestId(testIds.jobs.cancel);
    expect(cancels).toHaveLength(1);
    fireEvent.click(cancels[0]!);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel job' }));
    await waitFor(() => expect(fake.requests.some((r) => r.url.endsWith('/edit/api/v1/jobs/j2/cancel'))).toBe(true));
  });

  it('hides cancel from viewers', () => {
    setRole(config, 'Viewer');
    renderWithProviders(<JobsTable jobs={jobs} />);
    expect(screen.queryByTestId(testIds.jobs.cancel)).not.toBeInTheDocument();
    expect(screen.getAllByText('Logs')).toHaveLength(2);
  });
});
