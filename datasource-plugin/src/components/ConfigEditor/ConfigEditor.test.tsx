import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from './ConfigEditor';
import { testIds } from '../testIds';
import type { MwDataSourceOptions, MwSecureJsonData } from '../../types';

function settings(overrides: Partial<DataSourceSettings<MwDataSourceOptions, MwSecureJsonData>> = {}) {
  return {
    id: 1,
    uid: 'u',
    jsonData: { url: 'http://modelwatch:8080' },
    secureJsonFields: {},
    ...overrides,
  } as unknown as DataSourceSettings<MwDataSourceOptions, MwSecureJsonData>;
}

describe('ConfigEditor', () => {
  it('edits the URL in jsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByTestId(testIds.configEditor.url), { target: { value: ' http://mw:9000 ' } });
    expect(onOptionsChange).toHaveBeenCalledWith(expect.objectContaining({ jsonData: { url: 'http://mw:9000' } }));
  });

  it('puts the token in secureJsonData only', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByTestId(testIds.configEditor.apiToken), { target: { value: 'mw_secret' } });
    const next = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData).toEqual({ apiToken: 'mw_secret' });
    expect(JSON.stringify(next.jsonData)).not.toContain('mw_secret');
  });

  it('shows a saved token as configured and can reset it', () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor options={settings({ secureJsonFields: { apiToken: true } })} onOptionsChange={onOptionsChange} />
    );
    expect(screen.getByDisplayValue('configured')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: /reset/i }));
    expect(onOptionsChange.mock.calls[0][0].secureJsonFields).toEqual({ apiToken: false });
  });
});
