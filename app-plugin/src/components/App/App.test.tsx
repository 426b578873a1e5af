import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { AppRootProps, PluginType } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { testIds } from '../testIds';

const fake = fakeFetch({
  'GET /read/api/v1/models': { data: { models: [] } },
  'GET /read/api/v1/jobs': { data: { jobs: [] } },
});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import App from './App';

const props = {
  basename: 'a/modelwatch-mlops-app',
  meta: { id: 'modelwatch-mlops-app', name: 'ModelWatch', type: PluginType.app, enabled: true, jsonData: {} },
  query: {},
  path: '',
  onNavChanged: jest.fn(),
} as unknown as AppRootProps;

function renderAt(path: string) {
  render(
    <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <App {...props} />
    </MemoryRouter>
  );
}

describe('App', () => {
  // Pages are lazy-loaded, and loading @grafana/ui takes seconds on small CI machines.
  it('opens the models page by default', async () => {
    renderAt('/');
    expect(await screen.findByTestId(testIds.models.page, {}, { timeout: 15000 })).toBeInTheDocument();
    expect(await screen.findByText(/No models yet/)).toBeInTheDocument();
  });

  it('routes to the jobs page', async () => {
    renderAt('/jobs');
    expect(await screen.findByTestId(testIds.jobs.page, {}, { timeout: 15000 })).toBeInTheDocument();
  });
});
