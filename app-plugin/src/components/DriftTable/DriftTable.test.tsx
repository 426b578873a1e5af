import React from 'react';
import { screen, within } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));
jest.mock('../FeatureSparkline', () => ({
  FeatureSparkline: ({ values }: { values: number[] }) => <span>trend {values.join(' ')}</span>,
}));

import { DriftTable } from './DriftTable';

const windows = [
  {
    ts: 1,
    driftShare: 0,
    datasetDrifted: false,
    features: [
      { feature: 'age', method: 'ks', score: 0.01, pValue: 0.9, drifted: false },
      { feature: 'zip', method: 'ks', score: 0.02, pValue: 0.5, drifted: false },
    ],
  },
  {
    ts: 2,
    driftShare: 0.5,
    datasetDrifted: true,
    features: [
      { feature: 'age', method: 'ks', score: 0.02, pValue: 0.8, drifted: false },
      { feature: 'zip', method: 'ks', score: 0.31, pValue: 0.000001, adjustedPValue: 0.00001, drifted: true },
    ],
  },
];

describe('DriftTable', () => {
  it("shows the champion's features drifted first, with verdict, p-value and a sparkline", async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v2', challenger: null } },
      'GET /read/api/v1/models/ctr/drift': {
        data: {
          versions: [
            { version: 'v1', windows: [] },
            { version: 'v2', profile: { version: 'v2', source: 'training', rows: 1000, createdAt: '' }, windows },
          ],
        },
      },
    });
    renderWithProviders(<DriftTable model="ctr" range={{ from: 0, to: 3_000_000, step: 60_000 }} />);
    expect(await screen.findByText(/50% of features drifted — the dataset as a whole has drifted/)).toBeInTheDocument();
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText('zip')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Drifted')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('1.0e-5')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('trend 0.02 0.31')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Stable')).toBeInTheDocument();
    // ~30 windows over the range: 3,000,000 ms / 30 = 100,000 ms per window.
    expect(fake.requests.find((r) => r.url.endsWith('/drift'))!.params).toMatchObject({ step: 100_000 });
  });

  it("passes on the backend's explanation when there is nothing to show", async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v1' } },
      'GET /read/api/v1/models/ctr/drift': {
        data: { versions: [{ version: 'v1', message: 'no reference profile for v1', windows: [] }] },
      },
    });
    renderWithProviders(<DriftTable model="ctr" range={{ from: 0, to: 3_000_000, step: 60_000 }} />);
    expect(await screen.findByText('no reference profile for v1')).toBeInTheDocument();
  });
});
