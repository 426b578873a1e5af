import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { fakeFetch } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { ActionForm } from './ActionForm';
import { describeAction } from './describeAction';
import { testIds } from '../testIds';

const readRoutes = {
  'GET /read/api/v1/models/ctr/aliases': { data: { champion: 'v2', challenger: 'v3' } },
  'GET /read/api/v1/models/ctr/versions': {
    data: { versions: [{ version: 'v1' }, { version: 'v2' }, { version: 'v3' }] },
  },
};

const action = {
  id: 'a1',
  type: 'rollback',
  status: 'succeeded',
  model: 'ctr',
  fromVersion: 'v2',
  toVersion: 'v1',
  actor: 'grafana',
  reason: 'r',
  createdAt: '',
};

describe('ActionForm', () => {
  it('says what a rollback will do and sends it once, with the reason, through the admin route', async () => {
    fake = fakeFetch({ ...readRoutes, 'POST /admin/api/v1/models/ctr/actions/rollback': { data: { action } } });
    const onDone = jest.fn();
    renderWithProviders(<ActionForm type="rollback" model="ctr" onClose={jest.fn()} onDone={onDone} />);
    await waitFor(() =>
      expect(screen.getByTestId(testIds.actions.summary)).toHaveTextContent(
        'moves from v2 back to the previous champion'
      )
    );

    const confirm = screen.getByTestId(testIds.actions.confirm);
    expect(confirm).toBeDisabled();
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'CTR fell 20%' } });
    expect(confirm).toBeEnabled();
    fireEvent.click(confirm);

    await waitFor(() => expect(onDone).toHaveBeenCalledWith(action));
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.url).toBe('/api/plugin-proxy/modelwatch-mlops-app/admin/api/v1/models/ctr/actions/rollback');
    expect(post.data).toEqual({ reason: 'CTR fell 20%' });
    expect(post.headers?.['Idempotency-Key']).toEqual(expect.any(String));
    expect(await screen.findByText('Roll back recorded: succeeded')).toBeInTheDocument();
  });

  it('offers a gradual rollback, says what it does, and sends mode "gradual"', async () => {
    fake = fakeFetch({
      ...readRoutes,
      'POST /admin/api/v1/models/ctr/actions/rollback': { data: { action: { ...action, status: 'running' } } },
    });
    renderWithProviders(<ActionForm type="rollback" model="ctr" onClose={jest.fn()} />);
    fireEvent.click(await screen.findByLabelText('Gradually'));
    await waitFor(() =>
      expect(screen.getByTestId(testIds.actions.summary)).toHaveTextContent(
        'moves from v2 back to the previous champion in steps: v2 keeps 50%, then 10%, then none'
      )
    );
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'latency creeping up' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    expect(await screen.findByText('Roll back recorded: running')).toBeInTheDocument();
    expect(fake.requests.find((r) => r.method === 'POST')!.data).toEqual({ reason: 'latency creeping up', mode: 'gradual' });
  });

  it('retrains through the editor route and links to the job', async () => {
    fake = fakeFetch({
      ...readRoutes,
      'POST /edit/api/v1/models/ctr/actions/retrain': {
        data: { action: { ...action, type: 'retrain', status: 'queued', jobId: 'j9', toVersion: null } },
      },
    });
    renderWithProviders(<ActionForm type="retrain" model="ctr" onClose={jest.fn()} />);
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'drift on age' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    expect(await screen.findByText('Follow job j9')).toBeInTheDocument();
  });

  it('shows the backend error so the person can act on it', async () => {
    fake = fakeFetch({
      ...readRoutes,
      'POST /admin/api/v1/models/ctr/actions/promote': {
        status: 409,
        data: { error: { code: 'conflict', message: 'v3 has not passed the validation gate' } },
      },
    });
    renderWithProviders(<ActionForm type="promote" model="ctr" onClose={jest.fn()} />);
    await waitFor(() =>
      expect(screen.getByTestId(testIds.actions.summary)).toHaveTextContent('Version v3 becomes the champion')
    );
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'wins the A/B test' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    expect(await screen.findByText('v3 has not passed the validation gate (409)')).toBeInTheDocument();
  });
});

describe('describeAction', () => {
  it('asks for a version when there is nothing to promote', () => {
    expect(describeAction('promote', { model: 'm' })).toBe('Choose the version of m to promote.');
    expect(describeAction('retrain', { model: 'm', champion: 'v1', runner: 'command', gpus: 2 })).toContain(
      'on the command runner with 2 GPUs'
    );
  });
});
