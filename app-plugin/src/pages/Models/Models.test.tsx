import React from 'react';
import { screen, within } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../../components/testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { Models } from './Models';

const routes = {
  'GET /read/api/v1/models': { data: { models: [{ name: 'ctr-model', task: 'binary_classification', features: [] }] } },
  'GET /read/api/v1/models/ctr-model/health': {
    data: { score: 0.55, status: 'degraded', reasons: [{ kpi: 'ctr', message: 'CTR 16% below baseline for 30m' }] },
  },
  'GET /read/api/v1/models/ctr-model/aliases': { data: { champion: 'v2', challenger: 'v3' } },
};

describe('Models page', () => {
  it('shows health, champion/challenger and alerts per model, with actions for admins', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch(routes);
    renderWithProviders(<Models />);
    const table = await screen.findByTestId(testIds.models.table);
    expect(within(table).getByRole('link', { name: 'ctr-model' })).toHaveAttribute(
      'href',
      '/a/modelwatch-mlops-app/models/ctr-model'
    );
    expect(await within(table).findByText('Degraded · 55%')).toBeInTheDocument();
    expect(await within(table).findByText('champion v2')).toBeInTheDocument();
    expect(within(table).getByText('challenger v3')).toBeInTheDocument();
    expect(within(table).getByText('CTR 16% below baseline for 30m')).toBeInTheDocument();
    expect(within(table).getByTestId(testIds.actions.rollback)).toBeInTheDocument();
  });

  it('shows viewers no action buttons', async () => {
    setRole(config, 'Viewer');
    fake = fakeFetch(routes);
    renderWithProviders(<Models />);
    await screen.findByTestId(testIds.models.table);
    expect(screen.queryByTestId(testIds.actions.retrain)).not.toBeInTheDocument();
  });

  it('says how to fix an unreachable backend', async () => {
    fake = fakeFetch({ 'GET /read/api/v1/models': { status: 502, data: { message: 'Bad Gateway' } } });
    renderWithProviders(<Models />);
    expect(await screen.findByText(/Grafana cannot reach the ModelWatch backend \(502\)/)).toBeInTheDocument();
  });
});
