import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack } from '@grafana/ui';
import type { DataSource } from '../../datasource';
import {
  DEFAULT_VARIABLE_QUERY,
  MwDataSourceOptions,
  MwQuery,
  MwVariableQuery,
  VARIABLE_KINDS,
  VariableKind,
} from '../../types';
import { testIds } from '../testIds';

type Props = QueryEditorProps<DataSource, MwQuery, MwDataSourceOptions, MwVariableQuery>;

const KIND_OPTIONS = VARIABLE_KINDS.map((k) => ({ label: k[0]!.toUpperCase() + k.slice(1), value: k }));

/** Chooses what the variable lists; versions and features need a model, arms an experiment ($variables allowed). */
export function VariableQueryEditor({ query, onChange }: Props) {
  const current: MwVariableQuery = { ...DEFAULT_VARIABLE_QUERY, ...query };
  const update = (patch: Partial<MwVariableQuery>) => onChange({ ...current, ...patch });
  const needsModel = current.kind === 'versions' || current.kind === 'features' || current.kind === 'experiments';
  return (
    <Stack direction="column" gap={0.5}>
      <InlineFieldRow>
        <InlineField label="List" labelWidth={14}>
          <RadioButtonGroup<VariableKind>
            data-testid={testIds.variableEditor.kind}
            options={KIND_OPTIONS}
            value={current.kind}
            onChange={(kind) => update({ kind })}
          />
        </InlineField>
      </InlineFieldRow>
      {needsModel && (
        <InlineField
          label="Model"
          labelWidth={14}
          tooltip={
            current.kind === 'experiments' ? 'Optional: only experiments of this model' : 'Model name or $variable'
          }
        >
          <Input
            data-testid={testIds.variableEditor.model}
            width={30}
            defaultValue={current.model ?? ''}
            placeholder="$model"
            onBlur={(e) => update({ model: e.currentTarget.value })}
          />
        </InlineField>
      )}
      {current.kind === 'arms' && (
        <InlineField label="Experiment" labelWidth={14} tooltip="Experiment id or $variable">
          <Input
            data-testid={testIds.variableEditor.experiment}
            width={30}
            defaultValue={current.experimentId ?? ''}
            placeholder="$experiment"
            onBlur={(e) => update({ experimentId: e.currentTarget.value })}
          />
        </InlineField>
      )}
    </Stack>
  );
}
