import React, { ChangeEvent } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput } from '@grafana/ui';
import { MwDataSourceOptions, MwSecureJsonData } from '../../types';
import { testIds } from '../testIds';

type Props = DataSourcePluginOptionsEditorProps<MwDataSourceOptions, MwSecureJsonData>;

/**
 * Backend URL and API token. The token goes to secureJsonData: Grafana keeps it encrypted and adds it
 * to proxied requests itself (plugin.json `routes`), so the browser never holds it.
 */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const onUrlChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, url: event.target.value.trim() } });
  };

  const onTokenChange = (event: ChangeEvent<HTMLInputElement>) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, apiToken: event.target.value } });
  };

  const onTokenReset = () => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiToken: false },
      secureJsonData: { ...secureJsonData, apiToken: '' },
    });
  };

  return (
    <FieldSet label="ModelWatch backend">
      <Field
        label="URL"
        description="Where Grafana's server reaches the ModelWatch backend (not your browser), e.g. http://modelwatch:8080"
        required
      >
        <Input
          id="mw-ds-url"
          data-testid={testIds.configEditor.url}
          width={60}
          value={jsonData.url ?? ''}
          placeholder="http://modelwatch:8080"
          onChange={onUrlChange}
        />
      </Field>
      <Field
        label="Viewer token"
        description="A ModelWatch viewer token (modelwatch token create --role viewer --grafana), never a stronger one: every Viewer queries through it. Stored encrypted by Grafana."
        required
      >
        <SecretInput
          id="mw-ds-api-token"
          data-testid={testIds.configEditor.apiToken}
          width={60}
          isConfigured={Boolean(secureJsonFields?.apiToken)}
          value={secureJsonData?.apiToken ?? ''}
          placeholder="mw_..."
          onChange={onTokenChange}
          onReset={onTokenReset}
        />
      </Field>
    </FieldSet>
  );
}
