import React from 'react';
import { Column, InteractiveTable } from '@grafana/ui';
import type { DryRunDecision } from '../../api/types';

type Row = DryRunDecision & { key: string };

const columns: Array<Column<Row>> = [
  {
    id: 'alert',
    header: 'Alert labels',
    cell: ({ row }) =>
      Object.entries(row.original.alert ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
  },
  { id: 'action', header: 'Action', cell: ({ row }) => row.original.action ?? 'none' },
  { id: 'model', header: 'Model', cell: ({ row }) => row.original.model ?? '–' },
  { id: 'outcome', header: 'Outcome' },
  { id: 'reason', header: 'Why', cell: ({ row }) => row.original.reason ?? '' },
];

/** What the policies would do for the test alerts; nothing was acted on. */
export function DryRunResults({ decisions }: { decisions: DryRunDecision[] }) {
  const rows = decisions.map((d, i) => ({ ...d, key: String(i) }));
  return <InteractiveTable columns={columns} data={rows} getRowId={(r) => r.key} />;
}
