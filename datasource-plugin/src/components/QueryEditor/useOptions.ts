import { useEffect, useState } from 'react';
import { ComboboxOption } from '@grafana/ui';
import { getTemplateSrv } from '@grafana/runtime';
import type { DataSource } from '../../datasource';

export interface OptionsState {
  options: Array<ComboboxOption<string>>;
  loading: boolean;
  error?: string;
}

/** Template variables first, so a query can follow a dashboard's $model, $version, ... */
export function variableOptions(): Array<ComboboxOption<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ label: `$${v.name}`, value: `$${v.name}`, description: 'Template variable' }));
}

/** Loads options from the backend once per `key`; failures leave an error to show, not a crash. */
export function useAsyncOptions(key: string, load: () => Promise<Array<ComboboxOption<string>>>): OptionsState {
  const [state, setState] = useState<OptionsState & { key?: string }>({ options: [], loading: true });
  useEffect(() => {
    let cancelled = false;
    load()
      .then((options) => !cancelled && setState({ key, options: [...variableOptions(), ...options], loading: false }))
      .catch(
        (err: unknown) =>
          !cancelled &&
          setState({
            key,
            options: variableOptions(),
            loading: false,
            error: err instanceof Error ? err.message : String(err),
          })
      );
    return () => {
      cancelled = true;
    };
    // `load` is rebuilt on every render; `key` says when its result changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  // Until the options for this key arrive, keep the old ones and say we are loading.
  return state.key === key ? state : { options: state.options, loading: true };
}

const interpolate = (value: string) => getTemplateSrv().replace(value);

export function useModelOptions(ds: DataSource) {
  return useAsyncOptions('models', async () =>
    (await ds.api.listModels()).map((m) => ({ label: m.name, value: m.name, description: m.description ?? undefined }))
  );
}

export function useVersionOptions(ds: DataSource, model?: string) {
  return useAsyncOptions(`versions:${model ?? ''}`, async () =>
    model ? (await ds.api.listVersions(interpolate(model))).map((v) => ({ label: v.version, value: v.version })) : []
  );
}

export function useFeatureOptions(ds: DataSource, model?: string) {
  return useAsyncOptions(`features:${model ?? ''}`, async () =>
    model
      ? (await ds.api.getModel(interpolate(model))).features.map((f) => ({
          label: f.name,
          value: f.name,
          description: f.type,
        }))
      : []
  );
}

export function useExperimentOptions(ds: DataSource, model?: string) {
  return useAsyncOptions(`experiments:${model ?? ''}`, async () =>
    (await ds.api.listExperiments(model ? interpolate(model) : undefined)).map((e) => ({
      label: e.id,
      value: e.id,
      description: `${e.model} · ${e.primaryMetric}${e.status ? ` · ${e.status}` : ''}`,
    }))
  );
}
