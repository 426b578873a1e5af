import React from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import { fakeFetch, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { PolicyEditor } from './PolicyEditor';
import { parseJsonObject } from './parseJson';

const policies = { policies: [{ match: { modelwatch_action: 'rollback' }, action: 'rollback', cooldownMinutes: 30 }] };

describe('PolicyEditor', () => {
  it('dry-runs the edited policies on a test alert and shows the decisions', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'POST /admin/api/v1/policies/dry-run': {
        data: {
          decisions: [
            {
              alert: { model: 'ctr-model' },
              action: 'rollback',
              model: 'ctr-model',
              outcome: 'would act',
              reason: 'matched policy 0',
            },
          ],
        },
      },
    });
    renderWithProviders(<PolicyEditor initial={policies} />);
    fireEvent.click(screen.getByTestId(testIds.policies.dryRun));
    expect(await screen.findByText('would act')).toBeInTheDocument();
    expect(fake.requests[0]!.data).toMatchObject({ policies, alerts: [{ labels: { model: 'ctr-model' } }] });
  });

  it('refuses to save invalid JSON and saves valid JSON after confirming', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({ 'PUT /admin/api/v1/policies': { data: policies } });
    renderWithProviders(<PolicyEditor initial={policies} />);
    const editor = screen.getByTestId(testIds.policies.editor);
    fireEvent.change(editor, { target: { value: '{ "policies": [' } });
    expect(screen.getByTestId(testIds.policies.save)).toBeDisabled();
    fireEvent.change(editor, { target: { value: '{ "policies": [] }' } });
    fireEvent.click(screen.getByTestId(testIds.policies.save));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Policies saved')).toBeInTheDocument();
    expect(fake.requests[0]).toMatchObject({ method: 'PUT', data: { policies: [] } });
  });

  it('is read-only for non-admins', () => {
    setRole(config, 'Editor');
    renderWithProviders(<PolicyEditor initial={policies} />);
    expect(screen.getByTestId(testIds.policies.editor)).toHaveAttribute('readonly');
    expect(screen.queryByTestId(testIds.policies.save)).not.toBeInTheDocument();
  });

  it('explains JSON that is not an object', () => {
    expect(parseJsonObject('[1]')).toEqual({ ok: false, error: 'Expected a JSON object ({ ... }).' });
  });
});
