import React from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../../components/testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { Experiments } from './Experiments';

const arms = [
  { name: 'control', version: 'v1', weight: 0.5 },
  { name: 'treatment', version: 'v2', weight: 0.5 },
];

describe('Experiments page', () => {
  it('shows the running experiment results and a stop button for editors', async () => {
    setRole(config, 'Editor');
    fake = fakeFetch({
      'GET /read/api/v1/experiments': {
        data: {
          experiments: [
            { id: 'e1', model: 'ctr', arms, primaryMetric: 'ctr', status: 'running' },
            { id: 'e0', model: 'ctr', arms, primaryMetric: 'ctr', status: 'stopped' },
          ],
        },
      },
      'GET /read/api/v1/experiments/e1/results': {
        data: {
          experimentId: 'e1',
          model: 'ctr',
          metrics: [
            {
              metric: 'ctr',
              role: 'primary',
              kind: 'proportion',
              arms: [{ arm: 'control', version: 'v1', n: 10, mean: 0.1, comparison: null }],
            },
          ],
          srm: { counts: [10, 30], pValue: 0.0001, mismatch: true },
          decision: { recommendation: 'inconclusive', reasons: [], winner: null },
        },
      },
    });
    renderWithProviders(<Experiments />);
    expect(await screen.findByText('Results of e1 (ctr)')).toBeInTheDocument();
    expect(await screen.findByText('Sample ratio mismatch')).toBeInTheDocument();
    expect(screen.getAllByTestId(testIds.experiments.stop)).toHaveLength(1);
    fireEvent.click(screen.getByTestId(testIds.experiments.stop));
    expect(await screen.findByText('Stop experiment e1')).toBeInTheDocument();
  });

  it('hides stop from viewers', async () => {
    setRole(config, 'Viewer');
    fake = fakeFetch({
      'GET /read/api/v1/experiments': {
        data: { experiments: [{ id: 'e1', model: 'ctr', arms, primaryMetric: 'ctr', status: 'running' }] },
      },
    });
    renderWithProviders(<Experiments />);
    expect(await screen.findByText('control: v1 (50%), treatment: v2 (50%)')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.experiments.stop)).not.toBeInTheDocument();
  });
});
