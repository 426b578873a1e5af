import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import type { ShadowStatus } from '@modelwatch/plugin-api';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { ShadowRelease, shadowLine } from './ShadowRelease';

const side = { requests: 400, errors: 0, errorRate: 0, latencyP50: 1.2, latencyP99: 3.5 };
const running: ShadowStatus = {
  model: 'ctr',
  shadow: {
    id: 's1',
    model: 'ctr',
    version: 'v2',
    champion: 'v1',
    startedAt: Date.UTC(2026, 11, 2, 10, 0, 0),
    startedBy: 'token:releaser',
    stoppedAt: null,
    stopReason: null,
    release: null,
    outcome: null,
    status: 'running',
  },
  comparison: {
    from: 0,
    to: 1,
    pairs: 400,
    meanAbsDiff: 0.0123,
    rmsDiff: 0.02,
    decisionAgreement: 0.955,
    scoreDrift: {
      n: { reference: 400, current: 400 },
      psi: 0.042,
      ks: 0.1,
      ksPValue: 0.3,
      jensenShannon: 0.05,
      drifted: false,
    },
    champion: { version: 'v1', ...side },
    shadow: { version: 'v2', ...side, errors: 4, errorRate: 0.01, latencyP99: 7 },
    latencyRatio: 2,
  },
};
const stopped: ShadowStatus = {
  ...running,
  shadow: {
    ...running.shadow!,
    status: 'stopped',
    stoppedAt: Date.UTC(2026, 11, 2, 11, 0, 0),
    stopReason: 'stopped from the model page',
  },
};

describe('ShadowRelease', () => {
  it('shows the running shadow and its comparison with the champion', async () => {
    setRole(config, 'Viewer');
    fake = fakeFetch({ 'GET /read/api/v1/models/ctr/shadow': { data: running } });
    renderWithProviders(<ShadowRelease model="ctr" />);
    expect(
      await screen.findByText(/^Running: v2 shadows champion v1 since 2026-12-02 10:00:00 \(by token:releaser\)$/)
    ).toBeInTheDocument();
    const table = screen.getByTestId(testIds.model.shadowComparison);
    expect(table).toHaveTextContent('Decision agreement95.5%');
    expect(table).toHaveTextContent('Mean |score difference|0.0123');
    expect(table).toHaveTextContent('Score PSI (shadow vs champion)0.042');
    expect(table).toHaveTextContent('Error rate (shadow / champion)1.00% / 0.00%');
    expect(table).toHaveTextContent('p99 latency ratio2.00×');
    expect(screen.queryByTestId(testIds.model.shadowStop)).not.toBeInTheDocument();
  });

  it('lets an editor stop it, and start another one', async () => {
    setRole(config, 'Editor');
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/shadow': { data: running },
      'POST /edit/api/v1/models/ctr/shadow/stop': { data: stopped },
      'POST /edit/api/v1/models/ctr/shadow': { data: { ...running, shadow: { ...running.shadow!, version: 'v3' } } },
    });
    renderWithProviders(<ShadowRelease model="ctr" />);
    fireEvent.click(await screen.findByTestId(testIds.model.shadowStop));
    expect(
      await screen.findByText(/^Stopped 2026-12-02 11:00:00: .*; stopped from the model page$/)
    ).toBeInTheDocument();
    expect(fake.requests.find((r) => r.url.endsWith('/shadow/stop'))?.data).toEqual({
      reason: 'stopped from the model page',
    });
    fireEvent.change(screen.getByTestId(testIds.model.shadowVersion), { target: { value: 'v3' } });
    fireEvent.click(screen.getByTestId(testIds.model.shadowStart));
    await waitFor(() => expect(screen.getByText(/^Running: v3 shadows champion v1/)).toBeInTheDocument());
    expect(
      fake.requests.find((r) => r.method === 'POST' && r.url.endsWith('/edit/api/v1/models/ctr/shadow'))?.data
    ).toEqual({
      version: 'v3',
      reason: 'started from the model page',
    });
  });

  it('says when a retrain’s shadow is judged, and why a stopped one stopped', () => {
    const release = {
      ...running,
      shadow: { ...running.shadow!, release: { kind: 'retrain', judgeAt: Date.UTC(2026, 11, 2, 10, 30, 0) } },
    };
    expect(shadowLine(release)).toMatch(
      /a retrain’s release: judged at 2026-12-02 10:30:00, its canary starts if the gates pass$/
    );
    const failed = {
      ...stopped,
      shadow: { ...stopped.shadow!, stopReason: 'release gates failed: decision agreement 60.0 % < 90.0 %' },
    };
    expect(shadowLine(failed)).toMatch(/; release gates failed: decision agreement 60\.0 % < 90\.0 %$/);
  });

  it('says when the model never had a shadow, and shows a refused start', async () => {
    setRole(config, 'Editor');
    fake = fakeFetch({
      'GET /read/api/v1/models/ctr/shadow': { data: { model: 'ctr', shadow: null, comparison: null } },
      'POST /edit/api/v1/models/ctr/shadow': {
        status: 409,
        data: {
          error: { code: 'conflict', message: 'body.version: "v1" is the champion; a shadow must be another version' },
        },
      },
    });
    renderWithProviders(<ShadowRelease model="ctr" />);
    expect(await screen.findByText(/^No shadow yet/)).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.model.shadowVersion), { target: { value: 'v1' } });
    fireEvent.click(screen.getByTestId(testIds.model.shadowStart));
    expect(await screen.findByText(/body\.version: "v1" is the champion/)).toBeInTheDocument();
  });
});
