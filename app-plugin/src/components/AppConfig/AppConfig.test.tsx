import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import { of } from 'rxjs';
import { testIds } from '../testIds';

const fetch = jest.fn((_request: unknown) => of({ status: 200, data: {} }));
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ fetch }),
}));

import AppConfig, { AppConfigProps } from './AppConfig';

function renderConfig(jsonData: object, secureJsonFields: object = {}) {
  const plugin = {
    meta: {
      id: 'modelwatch-mlops-app',
      name: 'ModelWatch',
      type: PluginType.app,
      enabled: true,
      jsonData,
      secureJsonFields,
    },
  };
  render(<AppConfig {...({ plugin, query: {} } as unknown as AppConfigProps)} />);
}

describe('AppConfig', () => {
  beforeEach(() => {
    fetch.mockClear();
    Object.defineProperty(window, 'location', { configurable: true, value: { reload: jest.fn() } });
  });

  it('needs a URL and an API token before saving', () => {
    renderConfig({});
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();
    fireEvent.change(screen.getByTestId(testIds.appConfig.url), { target: { value: 'http://modelwatch:8080' } });
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeDisabled();
    fireEvent.change(screen.getByTestId(testIds.appConfig.apiToken), { target: { value: 'mw_abc' } });
    expect(screen.getByTestId(testIds.appConfig.submit)).toBeEnabled();
  });

  it('saves the URL in jsonData and only typed tokens in secureJsonData', async () => {
    renderConfig({ url: 'http://modelwatch:8080' }, { apiToken: true });
    fireEvent.change(screen.getByTestId(testIds.appConfig.adminToken), { target: { value: 'mw_admin' } });
    fireEvent.click(screen.getByTestId(testIds.appConfig.submit));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(fetch.mock.calls[0]![0]).toMatchObject({
      url: '/api/plugins/modelwatch-mlops-app/settings',
      method: 'POST',
      data: { jsonData: { url: 'http://modelwatch:8080' }, secureJsonData: { adminToken: 'mw_admin' } },
    });
  });
});
