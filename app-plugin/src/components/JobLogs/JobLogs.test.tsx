import React from 'react';
import { screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { JobLogs } from './JobLogs';

describe('JobLogs', () => {
  it('shows the log text, fetched as text', async () => {
    fake = fakeFetch({ 'GET /read/api/v1/jobs/j1/logs': { data: 'epoch 1 loss 0.4\nepoch 2 loss 0.3' } });
    renderWithProviders(<JobLogs job={{ id: 'j1', status: 'running', progress: 0.5 }} onClose={jest.fn()} />);
    expect(await screen.findByTestId(testIds.jobs.logs)).toHaveTextContent('epoch 2 loss 0.3');
    expect(fake.requests[0]!.responseType).toBe('text');
  });
});
