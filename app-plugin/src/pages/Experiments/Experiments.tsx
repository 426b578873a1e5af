import React, { useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { Badge, Button, Column, InteractiveTable, Stack, Text } from '@grafana/ui';
import type { Experiment } from '@modelwatch/plugin-api';
import { ExperimentResults } from '../../components/ExperimentResults';
import { QueryState } from '../../components/QueryState';
import { StopExperimentDialog } from '../../components/StopExperimentDialog';
import { testIds } from '../../components/testIds';
import { useExperimentResults, useExperiments } from '../../data/useExperiments';
import { timeAgo } from '../../utils/format';
import { hasRole } from '../../utils/roles';

export const isRunning = (e: Experiment) => e.status === 'running';

function Results({ experiment }: { experiment: Experiment }) {
  const results = useExperimentResults(experiment.id);
  return (
    <QueryState query={results} what="results">
      {(r) => <ExperimentResults results={r} />}
    </QueryState>
  );
}

/** A/B tests: arms, status, results with intervals, and stopping with a decision. */
export function Experiments() {
  const experiments = useExperiments();
  const [selected, setSelected] = useState<string | null>(null);
  const [stopping, setStopping] = useState<Experiment | null>(null);
  const canStop = hasRole('Editor');

  const columns: Array<Column<Experiment>> = [
    { id: 'id', header: 'Experiment' },
    { id: 'model', header: 'Model' },
    {
      id: 'arms',
      header: 'Arms',
      cell: ({ row }) =>
        row.original.arms.map((a) => `${a.name}: ${a.version} (${Math.round(a.weight * 100)}%)`).join(', '),
    },
    { id: 'primaryMetric', header: 'Primary metric' },
    {
      id: 'status',
      header: 'Status',
      cell: ({ row }) => <Badge color={isRunning(row.original) ? 'blue' : 'darkgrey'} text={row.original.status} />,
    },
    { id: 'startedAt', header: 'Started', cell: ({ row }) => timeAgo(row.original.startedAt) },
    {
      id: 'actions',
      header: '',
      cell: ({ row }) => (
        <Stack gap={1}>
          <Button size="sm" variant="secondary" onClick={() => setSelected(row.original.id)}>
            Results
          </Button>
          {canStop && isRunning(row.original) && (
            <Button
              size="sm"
              variant="destructive"
              fill="outline"
              data-testid={testIds.experiments.stop}
              onClick={() => setStopping(row.original)}
            >
              Stop
            </Button>
          )}
        </Stack>
      ),
    },
  ];

  return (
    <PluginPage>
      <div data-testid={testIds.experiments.page}>
        <QueryState query={experiments} what="experiments">
          {(list) => {
            const current = list.find((e) => e.id === selected) ?? list.find(isRunning) ?? list[0];
            return list.length === 0 ? (
              <p>No experiments yet. Start one with POST /api/v1/experiments.</p>
            ) : (
              <Stack direction="column" gap={3}>
                <InteractiveTable columns={columns} data={list} getRowId={(e) => e.id} />
                {current && (
                  <Stack direction="column" gap={1}>
                    <Text element="h3">
                      Results of {current.id} ({current.model})
                    </Text>
                    <Results experiment={current} />
                  </Stack>
                )}
              </Stack>
            );
          }}
        </QueryState>
        {stopping && <StopExperimentDialog experiment={stopping} onClose={() => setStopping(null)} />}
      </div>
    </PluginPage>
  );
}

export default Experiments;
