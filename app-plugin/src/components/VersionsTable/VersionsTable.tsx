import React from 'react';
import { Badge, Column, InteractiveTable, Stack } from '@grafana/ui';
import type { Aliases, ModelVersion } from '@modelwatch/plugin-api';
import { useAliases, useVersions } from '../../data/useModels';
import { dateTimeText, decimal } from '../../utils/format';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

interface Row extends ModelVersion {
  aliases: string[];
}

/** Newest first; champion and challenger from the aliases endpoint (the source of truth). */
export function withAliases(versions: ModelVersion[], aliases?: Aliases): Row[] {
  return [...versions]
    .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))
    .map((v) => ({
      ...v,
      aliases: (['champion', 'challenger'] as const).filter((a) => aliases?.[a] === v.version),
    }));
}

const columns: Array<Column<Row>> = [
  { id: 'version', header: 'Version' },
  {
    id: 'aliases',
    header: 'Alias',
    cell: ({ row }) => (
      <Stack gap={0.5}>
        {row.original.aliases.map((a) => (
          <Badge key={a} color={a === 'champion' ? 'green' : 'blue'} text={a} />
        ))}
      </Stack>
    ),
  },
  { id: 'createdAt', header: 'Registered', cell: ({ row }) => dateTimeText(row.original.createdAt) },
  { id: 'validation', header: 'Validation', cell: ({ row }) => row.original.validation?.status ?? '–' },
  {
    id: 'metrics',
    header: 'Metrics',
    cell: ({ row }) =>
      Object.entries(row.original.metrics ?? {})
        .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
        .map(([k, v]) => `${k} ${decimal(v)}`)
        .join(', ') || '–',
  },
];

/** Versions newest first, with the champion and challenger marked. */
export function VersionsTable({ model }: { model: string }) {
  const versions = useVersions(model);
  const aliases = useAliases(model);
  return (
    <div data-testid={testIds.model.versions}>
      <QueryState query={versions} what="versions">
        {(list) =>
          list.length === 0 ? (
            <p>No versions registered yet.</p>
          ) : (
            <InteractiveTable columns={columns} data={withAliases(list, aliases.data)} getRowId={(r) => r.version} />
          )
        }
      </QueryState>
    </div>
  );
}
