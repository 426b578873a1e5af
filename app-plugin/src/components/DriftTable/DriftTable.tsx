import React, { useMemo } from 'react';
import { Badge, Column, InteractiveTable, Stack, Text } from '@grafana/ui';
import { useAliases, useDrift, type Range } from '../../data/useModels';
import { featureDrift, pickVersion, type FeatureDrift } from '../../utils/frames';
import { decimal, percent, pValue } from '../../utils/format';
import { FeatureSparkline } from '../FeatureSparkline';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

const columns: Array<Column<FeatureDrift>> = [
  { id: 'feature', header: 'Feature', sortType: 'alphanumeric' },
  { id: 'method', header: 'Method' },
  { id: 'score', header: 'Score', cell: ({ row }) => decimal(row.original.score), sortType: 'number' },
  { id: 'pValue', header: 'p-value', cell: ({ row }) => pValue(row.original.pValue) },
  {
    id: 'drifted',
    header: 'Verdict',
    cell: ({ row }) =>
      row.original.drifted ? (
        <Badge color="red" text="Drifted" icon="exclamation-triangle" />
      ) : (
        <Badge color="green" text="Stable" />
      ),
  },
  {
    id: 'trend',
    header: 'Score over time',
    cell: ({ row }) => <FeatureSparkline times={row.original.times} values={row.original.scores} />,
  },
];

/** Per-feature drift of the champion's traffic: latest verdict, score, p-value, and a sparkline. */
export function DriftTable({ model, range }: { model: string; range: Range }) {
  // About 30 windows over the range, so each sparkline has a shape.
  const windowed = useMemo(
    () => ({ ...range, step: Math.max(60_000, Math.round((range.to - range.from) / 30)) }),
    [range]
  );
  const drift = useDrift(model, windowed);
  const champion = useAliases(model).data?.champion;
  return (
    <div data-testid={testIds.model.driftTable}>
      <QueryState query={drift} what="drift">
        {(response) => {
          const version = pickVersion(response, champion);
          const rows = featureDrift(version?.windows ?? []);
          const latest = [...(version?.windows ?? [])]
            .filter((w) => w.features.length > 0)
            .sort((a, b) => b.ts - a.ts)[0];
          if (!version || rows.length === 0) {
            return (
              <p>{version?.message ?? 'No drift results in this time range (no traffic, or no reference profile).'}</p>
            );
          }
          return (
            <Stack direction="column">
              <Text color={latest?.datasetDrifted ? 'error' : 'secondary'}>
                Version {version.version}
                {version.profile ? ` against the reference profile of ${version.profile.version}` : ''}. Latest window:{' '}
                {percent(latest?.driftShare, 0)} of features drifted
                {latest?.datasetDrifted ? ' — the dataset as a whole has drifted.' : '.'}
              </Text>
              <InteractiveTable columns={columns} data={rows} getRowId={(r) => `${r.feature}/${r.method}`} />
            </Stack>
          );
        }}
      </QueryState>
    </div>
  );
}
