import React from 'react';
import { PluginPage } from '@grafana/runtime';
import { Column, InteractiveTable, TextLink } from '@grafana/ui';
import type { Model } from '@modelwatch/plugin-api';
import { ActionButtons } from '../../components/ActionButtons';
import { QueryState } from '../../components/QueryState';
import { testIds } from '../../components/testIds';
import { modelUrl } from '../../constants';
import { useModels } from '../../data/useModels';
import { AlertsCell, AliasesCell, HealthCell } from './ModelCells';

const columns: Array<Column<Model>> = [
  {
    id: 'name',
    header: 'Model',
    cell: ({ row }) => (
      <TextLink href={modelUrl(row.original.name)} inline={false}>
        {row.original.name}
      </TextLink>
    ),
  },
  { id: 'health', header: 'Health', cell: ({ row }) => <HealthCell model={row.original.name} /> },
  { id: 'aliases', header: 'Champion / challenger', cell: ({ row }) => <AliasesCell model={row.original.name} /> },
  { id: 'alerts', header: 'Alerts', cell: ({ row }) => <AlertsCell model={row.original.name} /> },
  { id: 'actions', header: '', cell: ({ row }) => <ActionButtons model={row.original.name} size="sm" /> },
];

/** Every model at a glance: health, what serves, and what needs attention. */
export function Models() {
  const models = useModels();
  return (
    <PluginPage>
      <div data-testid={testIds.models.page}>
        <QueryState query={models} what="models">
          {(list) =>
            list.length === 0 ? (
              <p>No models yet. Register one with the API or `modelwatch` CLI (POST /api/v1/models).</p>
            ) : (
              <div data-testid={testIds.models.table}>
                <InteractiveTable columns={columns} data={list} getRowId={(m) => m.name} />
              </div>
            )
          }
        </QueryState>
      </div>
    </PluginPage>
  );
}

export default Models;
