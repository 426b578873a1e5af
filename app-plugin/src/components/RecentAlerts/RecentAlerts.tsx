import React from 'react';
import { Badge, BadgeColor, Column, InteractiveTable, Text } from '@grafana/ui';
import type { DecisionOutcome, Incident } from '@modelwatch/plugin-api';
import { useIncidents } from '../../data/usePolicies';
import { timeAgo } from '../../utils/format';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

const OUTCOME_COLORS: Partial<Record<DecisionOutcome, BadgeColor>> = {
  acted: 'green',
  acting: 'blue',
  failed: 'red',
  dry_run: 'purple',
  pending: 'orange',
  rejected: 'darkgrey',
};

const columns: Array<Column<Incident>> = [
  { id: 'alertname', header: 'Alert' },
  { id: 'model', header: 'Model', cell: ({ row }) => row.original.model ?? '–' },
  {
    id: 'status',
    header: 'State',
    cell: ({ row }) => <Badge color={row.original.status === 'firing' ? 'red' : 'green'} text={row.original.status} />,
  },
  {
    id: 'outcome',
    header: 'Decision',
    cell: ({ row }) => {
      const d = row.original.decision;
      return d ? (
        <Badge color={OUTCOME_COLORS[d.outcome] ?? 'darkgrey'} text={`${d.action} · ${d.outcome.replace('_', ' ')}`} />
      ) : (
        '–'
      );
    },
  },
  { id: 'reason', header: 'Why', cell: ({ row }) => row.original.decision?.reason ?? '' },
  { id: 'startsAt', header: 'Since', cell: ({ row }) => timeAgo(row.original.startsAt) },
];

/** Alerts the backend received and what the policies decided: where dry runs show what they would do. */
export function RecentAlerts() {
  const incidents = useIncidents();
  return (
    <div data-testid={testIds.policies.incidents}>
      <QueryState query={incidents} what="recent alerts">
        {(list) =>
          list.length === 0 ? (
            <Text color="secondary">No alerts received yet.</Text>
          ) : (
            <InteractiveTable columns={columns} data={list} getRowId={(i) => i.id} />
          )
        }
      </QueryState>
    </div>
  );
}
