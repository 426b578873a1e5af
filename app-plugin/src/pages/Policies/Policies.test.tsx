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
  it('shows pending actions, recent alerts and the policies as JSON', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'GET /read/api/v1/policies/pending': { data: { pending: [] } },
      'GET /read/api/v1/incidents': { data: { incidents: [] } },
      'GET /read/api/v1/policies': {
        data: {
          dryRun: false,
          maxActionsPerHour: 10,
          policies: [],
          isDefault: false,
          updatedAt: '2026-01-01T00:00:00Z',
          updatedBy: 'admin',
        },
      },
    });
    renderWithProviders(<Policies />);
    expect(await screen.findByText('No actions wait for approval.')).toBeInTheDocument();
    expect(await screen.findByText('No alerts received yet.')).toBeInTheDocument();
    const editor = await screen.findByTestId(testIds.policies.editor);
    expect(JSON.parse((editor as HTMLTextAreaElement).value)).toEqual({
      dryRun: false,
      maxActionsPerHour: 10,
      policies: [],
    });
    expect(screen.getByText('Saved 2026-01-01 00:00:00 by admin.')).toBeInTheDocument();
  });
});
