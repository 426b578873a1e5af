import React from 'react';
import { screen, within } from '@testing-library/react';
import type { Aliases, ModelVersion } from '@modelwatch/plugin-api';
import { fakeFetch, partial } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { VersionsTable, withAliases } from './VersionsTable';

describe('VersionsTable', () => {
  it('marks champion and challenger, newest first', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/versions': {
        data: {
          versions: [
            { version: 'v1', createdAt: '2026-01-01T00:00:00Z', metrics: { auc: 0.71, note: 'x' } },
            { version: 'v2', createdAt: '2026-01-02T00:00:00Z' },
            { version: 'v3', createdAt: '2026-01-03T00:00:00Z', validation: { status: 'passed' } },
          ],
        },
      },
      'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v2', challenger: 'v3' } },
    });
    renderWithProviders(<VersionsTable model="ctr" />);
    expect(await screen.findByText('champion')).toBeInTheDocument();
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText('v3')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('challenger')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('passed')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('auc 0.710')).toBeInTheDocument();
  });

  it('attaches aliases', () => {
    expect(
      withAliases([partial<ModelVersion>({ version: 'v1' })], partial<Aliases>({ champion: 'v1' }))[0]!.aliases
    ).toEqual(['champion']);
  });
});
