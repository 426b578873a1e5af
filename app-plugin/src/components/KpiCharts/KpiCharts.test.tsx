import React from 'react';
import { screen } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
const rendered: Array<{ title: string; data: { series: Array<{ name?: string }> } }> = [];
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
  // Grafana renders the real panel; here we record what it was given.
  PanelRenderer: (props: { title: string; data: { series: Array<{ name?: string }> } }) => {
    rendered.push(props);
    return <div>panel {props.title}</div>;
  },
}));

import { KpiCharts } from './KpiCharts';

const range = { from: 0, to: 3_600_000, step: 60_000 };

describe('KpiCharts', () => {
  it('asks for all KPIs over the range and draws one panel per group that has data', async () => {
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/kpis': {
        data: {
          series: [
            { kpi: 'ctr', version: 'v1', arm: '*', points: [[0, 0.05]] },
            { kpi: 'cvr', version: 'v1', arm: '*', points: [[0, 0.1]] },
            { kpi: 'latency_p99', version: 'v1', arm: '*', points: [[0, 230]] },
          ],
        },
      },
    });
    renderWithProviders(<KpiCharts model="ctr" range={range} />);
    expect(await screen.findByText('panel CTR and CVR')).toBeInTheDocument();
    expect(screen.getByText('panel Latency')).toBeInTheDocument();
    expect(screen.queryByText('panel Error rate')).not.toBeInTheDocument();
    expect(fake.requests[0]!.params).toEqual({ from: 0, to: 3_600_000, step: 60_000 });
    const ctrPanel = rendered.find((p) => p.title === 'CTR and CVR')!;
    expect(ctrPanel.data.series.map((s) => s.name)).toEqual(['CTR v1', 'CVR v1']);
  });

  it('says when there is no traffic', async () => {
    fake = fakeFetch({ 'GET /read/api/v1/models/ctr/kpis': { data: { series: [] } } });
    renderWithProviders(<KpiCharts model="ctr" range={range} />);
    expect(await screen.findByText('No traffic in this time range.')).toBeInTheDocument();
  });
});
