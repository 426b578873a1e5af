import React from 'react';
import { screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { Jobs } from './Jobs';

describe('Jobs page', () => {
  it('lists jobs with their progress', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/jobs': { data: { jobs: [{ id: 'j1', model: 'ctr', status: 'running', progress: 0.25 }] } },
    });
    renderWithProviders(<Jobs />);
    expect(await screen.findByRole('progressbar')).toHaveAttribute('aria-valuenow', '25');
  });

  it('says what to do when there are none', async () => {
    fake = fakeFetch({ 'GET /read/api/v1/jobs': { data: { jobs: [] } } });
    renderWithProviders(<Jobs />);
    expect(await screen.findByText('No jobs yet. Retrain a model to start one.')).toBeInTheDocument();
  });
});
