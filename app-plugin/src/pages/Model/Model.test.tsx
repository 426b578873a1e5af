import React from 'react';
import { screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../../components/testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
  PanelRenderer: ({ title }: { title: string }) => <div>panel {title}</div>,
  PluginPage: ({ children, actions }: { children: React.ReactNode; actions?: React.ReactNode }) => (
    <div>
      {actions}
      {children}
    </div>
  ),
}));
jest.mock('../../components/FeatureSparkline', () => ({ FeatureSparkline: () => <span>trend</span> }));

import { ModelPage } from './Model';

describe('Model page', () => {
  it('composes KPIs, drift, data quality, versions and history for the model in the URL', async () => {
    setRole(config, 'Editor');
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr-model': {
        data: { name: 'ctr-model', task: 'binary_classification', features: [{ name: 'age', type: 'numeric' }] },
      },
      'GET /read/api/v1/models/ctr-model/health': { data: { score: 0.9, status: 'ok', reasons: [] } },
      'GET /read/api/v1/models/ctr-model/kpis': {
        data: { series: [{ kpi: 'ctr', version: 'v2', arm: '*', points: [[0, 0.05]] }] },
      },
      'GET /read/api/v1/models/ctr-model/drift': {
        data: {
          versions: [
            {
              version: 'v2',
              windows: [
                {
                  ts: 0,
                  driftShare: 0,
                  datasetDrifted: false,
                  features: [{ feature: 'age', method: 'psi', score: 0.01, drifted: false }],
                },
              ],
            },
          ],
        },
      },
      'GET /read/api/v1/models/ctr-model/data-quality': { data: { noTraffic: true, versions: [] } },
      'GET /read/api/v1/models/ctr-model/versions': { data: { versions: [{ version: 'v2' }] } },
      'GET /read/api/v1/models/ctr-model/aliases': { data: { champion: 'v2' } },
      'GET /read/api/v1/audit': { data: { actions: [] } },
      'GET /read/api/v1/models/ctr-model/retrain-triggers': {
        data: {
          model: 'ctr-model',
          schedule: { cron: '0 2 * * *', timezone: 'UTC', nextRun: '2026-12-03T02:00:00.000Z' },
          volume: null,
          cooldownMs: 1_800_000,
          recencyHalfLifeMs: null,
          cooldownUntil: null,
          retrainActive: false,
        },
      },
    });
    renderWithProviders(<ModelPage />, { path: '/models/ctr-model', route: '/models/:name' });
    expect(await screen.findByText('Healthy · 90%')).toBeInTheDocument();
    expect(await screen.findByText('panel CTR and CVR')).toBeInTheDocument();
    expect(await screen.findByText('age')).toBeInTheDocument();
    expect(await screen.findByText('champion')).toBeInTheDocument();
    expect(await screen.findByText('No predictions in this time range.')).toBeInTheDocument();
    expect(await screen.findByText('Nothing recorded yet.')).toBeInTheDocument();
    expect(await screen.findByText(/^Schedule 0 2 \* \* \* \(UTC\): next run /)).toBeInTheDocument();
    // An editor may retrain but not promote.
    expect(screen.getByTestId(testIds.actions.retrain)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.actions.promote)).not.toBeInTheDocument();
  });
});
