import React from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { ActionButtons } from './ActionButtons';
import { testIds } from '../testIds';

const fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

describe('ActionButtons', () => {
  it('shows viewers no action buttons', () => {
    setRole(config, 'Viewer');
    renderWithProviders(<ActionButtons model="ctr" />);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('lets editors retrain only', () => {
    setRole(config, 'Editor');
    renderWithProviders(<ActionButtons model="ctr" />);
    expect(screen.getByTestId(testIds.actions.retrain)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.actions.promote)).not.toBeInTheDocument();
    expect(screen.queryByTestId(testIds.actions.rollback)).not.toBeInTheDocument();
  });

  it('gives admins all three, each opening its confirmation', async () => {
    setRole(config, 'Admin');
    renderWithProviders(<ActionButtons model="ctr" />);
    fireEvent.click(screen.getByTestId(testIds.actions.rollback));
    expect(await screen.findByRole('dialog')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.actions.reason)).toBeInTheDocument();
  });
});
