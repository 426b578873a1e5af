import React from 'react';
import { screen, within } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { DataQualityTable } from './DataQualityTable';

const feature = (name: string, patch: object = {}) => ({
  feature: name,
  type: 'numeric',
  records: 500,
  missing: 0,
  missingRate: 0,
  referenceMissingRate: 0,
  outOfRange: 0,
  outOfRangeRate: 0,
  unseen: null,
  unseenRate: null,
  typeErrors: 0,
  typeErrorRate: 0,
  mean: 1,
  referenceMean: 1,
  referenceStd: 1,
  meanShiftSigmas: 0.1,
  enoughVolume: true,
  flags: [],
  ...patch,
});

const version = (name: string, features: object[]) => ({
  version: name,
  profile: { version: name, source: 'rows', rows: 1000, createdAt: '' },
  records: 500,
  rejected: 4,
  features,
  meanVectorDistance: 1.25,
  meanVectorFeatures: 2,
  meanVectorFlagged: false,
  flaggedFeatures: ['zip'],
  lastRecordAt: new Date(Date.now() - 120_000).toISOString(),
  secondsSinceLastRecord: 120,
  noTraffic: false,
});

describe('DataQualityTable', () => {
  it("shows the champion's features, flagged first, with rates, verdict and freshness", async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v2', challenger: null } },
      'GET /read/api/v1/models/ctr/data-quality': {
        data: {
          noTraffic: false,
          versions: [
            version('v1', []),
            version('v2', [
              feature('age'),
              feature('zip', { missingRate: 0.25, flags: ['missing', 'type_errors'], typeErrorRate: 0.02 }),
              feature('tiny', { enoughVolume: false, records: 10 }),
            ]),
          ],
        },
      },
    });
    renderWithProviders(<DataQualityTable model="ctr" range={{ from: 0, to: 3_000_000, step: 60_000 }} />);
    expect(
      await screen.findByText(/Version v2: 500 records, 4 rejected for a feature of the wrong type/)
    ).toBeInTheDocument();
    expect(screen.getByText(/1\.25 σ\. Last prediction 2m ago\./)).toBeInTheDocument();
    const rows = screen.getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText('zip')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('25.0%')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('Missing, Type errors')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('OK')).toBeInTheDocument();
    expect(within(rows[2]!).getByText('Too few records')).toBeInTheDocument();
    expect(fake.requests.find((r) => r.url.endsWith('/data-quality'))!.params).toMatchObject({
      from: 0,
      to: 3_000_000,
    });
  });

  it("passes on the backend's explanation when there is nothing to show", async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v1' } },
      'GET /read/api/v1/models/ctr/data-quality': {
        data: { noTraffic: true, versions: [{ ...version('v1', []), message: 'no reference profile for v1' }] },
      },
    });
    renderWithProviders(<DataQualityTable model="ctr" range={{ from: 0, to: 3_000_000, step: 60_000 }} />);
    expect(await screen.findByText('no reference profile for v1')).toBeInTheDocument();
  });
});
