import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { config } from '@grafana/runtime';
import type { Experiment } from '@modelwatch/plugin-api';
import { fakeFetch, partial, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { StopExperimentDialog, stopConsequence } from './StopExperimentDialog';

const experiment = partial<Experiment>({
  status: 'running',
  id: 'e1',
  model: 'ctr',
  primaryMetric: 'ctr',
  arms: [
    { name: 'control', version: 'v1', weight: 0.5 },
    { name: 'treatment', version: 'v2', weight: 0.5 },
  ],
});

describe('StopExperimentDialog', () => {
  it('stops with promote through the admin route, saying what will happen', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'POST /admin/api/v1/experiments/e1/stop': {
        data: { experiment: { ...experiment, status: 'stopped' }, notes: [] },
      },
    });
    const onClose = jest.fn();
    renderWithProviders(<StopExperimentDialog experiment={experiment} onClose={onClose} />);
    expect(screen.getByText(/v2 becomes the champion of ctr/)).toBeInTheDocument();
    fireEvent.change(screen.getByTestId(testIds.actions.reason), { target: { value: 'clear win' } });
    fireEvent.click(screen.getByTestId(testIds.actions.confirm));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(fake.requests[0]!.data).toEqual({ decision: 'promote', reason: 'clear win' });
  });

  it('lets an editor stop without changing versions only', () => {
    setRole(config, 'Editor');
    renderWithProviders(<StopExperimentDialog experiment={experiment} onClose={jest.fn()} />);
    expect(screen.getByLabelText('Promote treatment')).toBeDisabled();
    expect(screen.getByLabelText('No change')).toBeChecked();
    expect(stopConsequence('rollback', experiment)).toContain('returns to v1');
  });
});
