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
}));

import { Policies } from './Policies';

describe('Policies page', () => {
  it('shows pending actions and the policies as JSON', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'GET /read/api/v1/actions': { data: { actions: [] } },
      'GET /read/api/v1/policies': { data: { policies: [{ action: 'retrain' }] } },
    });
    renderWithProviders(<Policies />);
    expect(await screen.findByText('No actions wait for approval.')).toBeInTheDocument();
    expect(await screen.findByTestId(testIds.policies.editor)).toHaveValue(
      JSON.stringify({ policies: [{ action: 'retrain' }] }, null, 2)
    );
  });
});
