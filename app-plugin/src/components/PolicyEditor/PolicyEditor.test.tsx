import React from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { config } from '@grafana/runtime';
import type { PolicyDocument } from '@modelwatch/plugin-api';
import { fakeFetch, partial, setRole } from '../../testing/fakeBackend';
import { renderWithProviders } from '../../testing/render';
import { testIds } from '../testIds';

let fake = fakeFetch({});
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch: (r: never) => fake.fetch(r) }),
}));

import { PolicyEditor } from './PolicyEditor';
import { parseJsonObject } from './parseJson';

const document = partial<PolicyDocument>({
  dryRun: false,
  maxActionsPerHour: 10,
  policies: [
    {
      name: 'default-rollback',
      match: { modelwatch_action: 'rollback', model: '*' },
      action: 'rollback',
      mode: 'auto',
      cooldown: '30m',
    },
  ],
  isDefault: true,
  updatedAt: null,
  updatedBy: null,
});

describe('PolicyEditor', () => {
  it('edits only the writable fields, turns on dry run, and saves after confirming', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'PUT /admin/api/v1/policies': (r) => ({
        data: { ...(r.data as object), isDefault: false, updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'grafana' },
      }),
    });
    renderWithProviders(<PolicyEditor document={document} />);
    expect(screen.getByText('The default policy is in force (nothing stored yet).')).toBeInTheDocument();
    const editor = screen.getByTestId(testIds.policies.editor) as HTMLTextAreaElement;
    expect(JSON.parse(editor.value)).not.toHaveProperty('isDefault');
    fireEvent.click(screen.getByLabelText('Dry run: decide and record, never act'));
    expect(JSON.parse(editor.value).dryRun).toBe(true);
    fireEvent.click(screen.getByTestId(testIds.policies.save));
    expect(await screen.findByText(/Dry run is on/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Policies saved')).toBeInTheDocument();
    expect(fake.requests[0]).toMatchObject({ method: 'PUT', data: { dryRun: true, maxActionsPerHour: 10 } });
  });

  it('refuses to save invalid JSON and shows the backend validation message', async () => {
    setRole(config, 'Admin');
    fake = fakeFetch({
      'PUT /admin/api/v1/policies': {
        status: 400,
        data: {
          error: {
            code: 'invalid',
            message: 'policies.0.action: expected one of retrain, rollback, stop_experiment, none',
          },
        },
      },
    });
    renderWithProviders(<PolicyEditor document={document} />);
    const editor = screen.getByTestId(testIds.policies.editor);
    fireEvent.change(editor, { target: { value: '{ "policies": [' } });
    expect(screen.getByTestId(testIds.policies.save)).toBeDisabled();
    fireEvent.change(editor, { target: { value: '{ "policies": [{ "name": "x", "action": "explode" }] }' } });
    fireEvent.click(screen.getByTestId(testIds.policies.save));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/expected one of retrain, rollback/)).toBeInTheDocument();
  });

  it('is read-only for non-admins', () => {
    setRole(config, 'Editor');
    renderWithProviders(<PolicyEditor document={document} />);
    expect(screen.getByTestId(testIds.policies.editor)).toHaveAttribute('readonly');
    expect(screen.queryByTestId(testIds.policies.save)).not.toBeInTheDocument();
  });

  it('explains JSON that is not an object', () => {
    expect(parseJsonObject('[1]')).toEqual({ ok: false, error: 'Expected a JSON object ({ ... }).' });
  });
});
