import React from 'react';
import { Badge, Column, InteractiveTable, Stack, Text } from '@grafana/ui';
import type { FeatureQuality, VersionDataQuality } from '@modelwatch/plugin-api';
import { useAliases, useDataQuality, type Range } from '../../data/useModels';
import { decimal, percent, timeAgo } from '../../utils/format';
import { QueryState } from '../QueryState';
import { testIds } from '../testIds';

const FLAG_TEXT: Record<FeatureQuality['flags'][number], string> = {
  missing: 'Missing',
  out_of_range: 'Out of range',
  unseen: 'Unseen categories',
  type_errors: 'Type errors',
  mean_shift: 'Mean shift',
};

const columns: Array<Column<FeatureQuality>> = [
  { id: 'feature', header: 'Feature', sortType: 'alphanumeric' },
  { id: 'records', header: 'Records', sortType: 'number' },
  { id: 'missingRate', header: 'Missing', cell: ({ row }) => percent(row.original.missingRate), sortType: 'number' },
  {
    id: 'outOfRangeRate',
    header: 'Out of range',
    cell: ({ row }) => percent(row.original.outOfRangeRate),
    sortType: 'number',
  },
  { id: 'unseenRate', header: 'Unseen', cell: ({ row }) => percent(row.original.unseenRate), sortType: 'number' },
  {
    id: 'typeErrorRate',
    header: 'Type errors',
    cell: ({ row }) => percent(row.original.typeErrorRate),
    sortType: 'number',
  },
  {
    id: 'meanShiftSigmas',
    header: 'Mean shift (σ)',
    cell: ({ row }) => decimal(row.original.meanShiftSigmas, 2),
    sortType: 'number',
  },
  {
    id: 'flags',
    header: 'Verdict',
    cell: ({ row }) =>
      row.original.flags.length > 0 ? (
        <Badge color="red" text={row.original.flags.map((f) => FLAG_TEXT[f]).join(', ')} icon="exclamation-triangle" />
      ) : row.original.enoughVolume ? (
        <Badge color="green" text="OK" />
      ) : (
        <Badge color="blue" text="Too few records" />
      ),
  },
];

/** Flagged features first, then by name. */
function ordered(features: FeatureQuality[]): FeatureQuality[] {
  return [...features].sort((a, b) => b.flags.length - a.flags.length || a.feature.localeCompare(b.feature));
}

function freshness(version: VersionDataQuality): string {
  if (version.lastRecordAt === null) {
    return 'No prediction received yet.';
  }
  return `Last prediction ${timeAgo(version.lastRecordAt)}${version.noTraffic ? ' — no traffic.' : '.'}`;
}

/** Per-feature data quality of the champion's traffic over the range, and its freshness. */
export function DataQualityTable({ model, range }: { model: string; range: Range }) {
  const quality = useDataQuality(model, range);
  const champion = useAliases(model).data?.champion;
  return (
    <div data-testid={testIds.model.dataQuality}>
      <QueryState query={quality} what="data quality">
        {(response) => {
          const version = response.versions.find((v) => v.version === champion) ?? response.versions[0];
          if (!version || version.features.length === 0) {
            return (
              <p>
                {version?.message ??
                  (response.noTraffic
                    ? 'No predictions in this time range.'
                    : 'No data quality results in this time range (no reference profile).')}
              </p>
            );
          }
          return (
            <Stack direction="column">
              <Text color={version.noTraffic || version.flaggedFeatures.length > 0 ? 'error' : 'secondary'}>
                Version {version.version}: {version.records} records
                {version.rejected > 0 ? `, ${version.rejected} rejected for a feature of the wrong type` : ''}; mean
                shift of the feature means {decimal(version.meanVectorDistance, 2)} σ. {freshness(version)}
              </Text>
              <InteractiveTable columns={columns} data={ordered(version.features)} getRowId={(f) => f.feature} />
            </Stack>
          );
        }}
      </QueryState>
    </div>
  );
}
