import React, { ChangeEvent, FormEvent, useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { AppPluginMeta, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack } from '@grafana/ui';
import { errorMessage } from '../../api/client';
import { testIds } from '../testIds';

export type AppSettings = { url?: string };
type TokenName = 'apiToken' | 'editorToken' | 'adminToken';

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

const TOKENS: Array<{ name: TokenName; label: string; description: string; testId: string }> = [
  {
    name: 'apiToken',
    label: 'Viewer token',
    description:
      'Sent by the read routes (every Viewer). Use a viewer token: `modelwatch token create --role viewer --grafana`.',
    testId: testIds.appConfig.apiToken,
  },
  {
    name: 'editorToken',
    label: 'Editor token',
    description:
      'Sent only by the edit routes (retrains, experiments, jobs; Editors). Use an editor token; without one, those buttons fail.',
    testId: testIds.appConfig.editorToken,
  },
  {
    name: 'adminToken',
    label: 'Admin token',
    description:
      'Sent only by the admin routes (promote, rollback, policies, approvals; Admins). Use an admin token; without one, those buttons fail.',
    testId: testIds.appConfig.adminToken,
  },
];

/**
 * Backend URL and tokens. Tokens go to secureJsonData: Grafana stores them encrypted and adds the
 * right one per route server-side (plugin.json `routes`), so no browser ever sees one.
 */
const AppConfig = ({ plugin }: AppConfigProps) => {
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [url, setUrl] = useState(jsonData?.url ?? '');
  const [tokens, setTokens] = useState<Partial<Record<TokenName, string>>>({});
  const [configured, setConfigured] = useState<Record<TokenName, boolean>>({
    apiToken: Boolean(secureJsonFields?.apiToken),
    editorToken: Boolean(secureJsonFields?.editorToken),
    adminToken: Boolean(secureJsonFields?.adminToken),
  });
  const [error, setError] = useState<string>();

  const missing = !url || (!configured.apiToken && !tokens.apiToken);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    if (missing) {
      return;
    }
    // Send only tokens that were typed or reset, so saved ones are not overwritten with nothing.
    const secureJsonData: Record<string, string> = {};
    for (const { name } of TOKENS) {
      if (tokens[name] !== undefined) {
        secureJsonData[name] = tokens[name] ?? '';
      }
    }
    try {
      await updatePlugin(plugin.meta.id, { enabled, pinned, jsonData: { url: url.trim() }, secureJsonData });
      // Grafana has no supported way to refresh a plugin's settings in place.
      window.location.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <form onSubmit={onSubmit}>
      <FieldSet label="ModelWatch backend">
        <Field
          label="URL"
          required
          description="Where Grafana's server reaches the backend (not your browser), e.g. http://modelwatch:8080"
        >
          <Input
            id="mw-app-url"
            data-testid={testIds.appConfig.url}
            width={60}
            value={url}
            placeholder="http://modelwatch:8080"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setUrl(e.target.value)}
          />
        </Field>
        {TOKENS.map((t) => (
          <Field key={t.name} label={t.label} description={t.description} required={t.name === 'apiToken'}>
            <SecretInput
              id={`mw-app-${t.name}`}
              data-testid={t.testId}
              width={60}
              value={tokens[t.name] ?? ''}
              isConfigured={configured[t.name]}
              placeholder="mw_..."
              onChange={(e: ChangeEvent<HTMLInputElement>) => setTokens({ ...tokens, [t.name]: e.target.value.trim() })}
              onReset={() => {
                setConfigured({ ...configured, [t.name]: false });
                setTokens({ ...tokens, [t.name]: '' });
              }}
            />
          </Field>
        ))}
        {error && (
          <Alert severity="error" title="Could not save settings">
            {error}
          </Alert>
        )}
        <Stack>
          <Button type="submit" data-testid={testIds.appConfig.submit} disabled={missing}>
            Save settings
          </Button>
        </Stack>
      </FieldSet>
    </form>
  );
};

export default AppConfig;

async function updatePlugin(pluginId: string, data: Partial<PluginMeta<AppSettings>>) {
  return lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${pluginId}/settings`, method: 'POST', data }));
}
