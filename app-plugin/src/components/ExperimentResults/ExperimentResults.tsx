import React from 'react';
import { Alert, Badge, Column, InteractiveTable, Stack, Text } from '@grafana/ui';
import type { ArmResult, ExperimentResults as Results, MetricResult } from '../../api/types';
import { decimal, percent, pValue, signedPercent } from '../../utils/format';
import { testIds } from '../testIds';
import { IntervalBar } from './IntervalBar';

/** Axis half-width for a metric's interval bars: the widest bound, at least ±1%. */
export function intervalScale(metric: MetricResult): number {
  const bounds = metric.arms.flatMap((a) => (a.ci ? [Math.abs(a.ci[0]), Math.abs(a.ci[1])] : []));
  return Math.max(0.01, ...bounds);
}

function columns(scale: number): Array<Column<ArmResult>> {
  return [
    {
      id: 'arm',
      header: 'Arm',
      cell: ({ row }) => `${row.original.arm}${row.original.version ? ` (${row.original.version})` : ''}`,
    },
    { id: 'n', header: 'Units' },
    { id: 'value', header: 'Value', cell: ({ row }) => decimal(row.original.value, 4) },
    { id: 'effect', header: 'Lift', cell: ({ row }) => signedPercent(row.original.effect) },
    {
      id: 'ci',
      header: 'Confidence interval',
      cell: ({ row }) => {
        const { ci, effect } = row.original;
        if (!ci) {
          return <Text color="secondary">control</Text>;
        }
        return (
          <Stack alignItems="center" gap={1}>
            <IntervalBar low={ci[0]} high={ci[1]} effect={effect ?? (ci[0] + ci[1]) / 2} scale={scale} />
            <Text variant="bodySmall">
              {signedPercent(ci[0])} … {signedPercent(ci[1])}
            </Text>
          </Stack>
        );
      },
    },
    { id: 'pValue', header: 'p-value', cell: ({ row }) => pValue(row.original.pValue) },
    { id: 'chanceToWin', header: 'Chance to win', cell: ({ row }) => percent(row.original.chanceToWin, 0) },
    {
      id: 'significant',
      header: '',
      cell: ({ row }) => (row.original.significant ? <Badge color="green" text="Significant" /> : null),
    },
  ];
}

const DECISION_TEXT: Record<string, string> = {
  promote: 'Promote the treatment',
  rollback: 'Keep control (roll back the treatment)',
  continue: 'Keep collecting data',
  none: 'No decision yet',
};

/** Results per metric with intervals, the SRM check and the recommended decision. */
export function ExperimentResults({ results }: { results: Results }) {
  return (
    <Stack direction="column" gap={2} data-testid={testIds.experiments.results}>
      {results.srm?.mismatch ? (
        <div data-testid={testIds.experiments.srm}>
          <Alert severity="error" title="Sample ratio mismatch">
            Traffic split differs from the configured weights (p = {pValue(results.srm.pValue)}). Assignment is likely
            broken; do not trust these results until it is fixed.
          </Alert>
        </div>
      ) : results.srm ? (
        <Text color="secondary" data-testid={testIds.experiments.srm}>
          Sample ratio check passed (p = {pValue(results.srm.pValue)}).
        </Text>
      ) : null}
      {results.recommendation && (
        <Alert
          severity={results.recommendation.decision === 'rollback' ? 'warning' : 'info'}
          title={`Recommendation: ${DECISION_TEXT[results.recommendation.decision] ?? results.recommendation.decision}`}
        >
          {results.recommendation.reason}
        </Alert>
      )}
      {results.metrics.map((metric) => (
        <Stack key={metric.metric} direction="column" gap={1}>
          <Text element="h4">{metric.metric}</Text>
          <InteractiveTable columns={columns(intervalScale(metric))} data={metric.arms} getRowId={(r) => r.arm} />
        </Stack>
      ))}
    </Stack>
  );
}
