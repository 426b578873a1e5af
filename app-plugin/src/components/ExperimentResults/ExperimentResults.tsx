import React from 'react';
import { Alert, Badge, Column, InteractiveTable, Stack, Text } from '@grafana/ui';
import type { ArmResult, ExperimentResults as Results, MetricResult } from '@modelwatch/plugin-api';
import { decimal, percent, pValue, signedPercent } from '../../utils/format';
import { testIds } from '../testIds';
import { IntervalBar } from './IntervalBar';

/** Axis half-width for a metric's interval bars: the widest bound, at least ±1%. */
export function intervalScale(metric: MetricResult): number {
  const bounds = metric.arms.flatMap((a) =>
    a.comparison ? [Math.abs(a.comparison.ci[0]), Math.abs(a.comparison.ci[1])] : []
  );
  return Math.max(0.01, ...bounds);
}

/** Relative effects and proportion differences read as percentages; absolute mean differences as numbers. */
function effectText(value: number, metric: MetricResult, relative: boolean): string {
  return relative || metric.kind === 'proportion' ? signedPercent(value) : `${value > 0 ? '+' : ''}${decimal(value)}`;
}

function columns(metric: MetricResult): Array<Column<ArmResult>> {
  const scale = intervalScale(metric);
  return [
    { id: 'arm', header: 'Arm', cell: ({ row }) => `${row.original.arm} (${row.original.version})` },
    // Units (users the router randomizes) and events (the metric's denominator) apart: the
    // variance comes from units when predictions carry a unitId.
    { id: 'units', header: 'Units', cell: ({ row }) => (row.original.units === null ? '—' : String(row.original.units)) },
    { id: 'events', header: `Events (${metric.unit}s)`, cell: ({ row }) => String(row.original.events) },
    {
      id: 'mean',
      header: metric.kind === 'proportion' ? 'Rate' : 'Mean',
      cell: ({ row }) => (metric.kind === 'proportion' ? percent(row.original.mean, 2) : decimal(row.original.mean)),
    },
    {
      id: 'effect',
      header: 'Lift',
      cell: ({ row }) => {
        const c = row.original.comparison;
        return c ? effectText(c.effect, metric, c.difference === 'relative') : <Text color="secondary">control</Text>;
      },
    },
    {
      id: 'ci',
      header: 'Confidence interval',
      cell: ({ row }) => {
        const c = row.original.comparison;
        if (!c) {
          return null;
        }
        const relative = c.difference === 'relative';
        return (
          <Stack alignItems="center" gap={1}>
            <IntervalBar low={c.ci[0]} high={c.ci[1]} effect={c.effect} scale={scale} />
            <Text variant="bodySmall">
              {effectText(c.ci[0], metric, relative)} … {effectText(c.ci[1], metric, relative)}
            </Text>
          </Stack>
        );
      },
    },
    {
      id: 'pValue',
      header: 'p-value',
      cell: ({ row }) => pValue(row.original.comparison?.pValue),
    },
    {
      // Holm-adjusted over every metric × arm comparison; the decision reads the primary's own p-value.
      id: 'adjustedPValue',
      header: 'p (Holm)',
      cell: ({ row }) => pValue(row.original.comparison?.adjustedPValue ?? row.original.comparison?.pValue),
    },
    { id: 'chanceToWin', header: 'Chance to win', cell: ({ row }) => percent(row.original.comparison?.chanceToWin, 0) },
    {
      id: 'significant',
      header: '',
      cell: ({ row }) => (row.original.comparison?.significant ? <Badge color="green" text="Significant" /> : null),
    },
  ];
}

const DECISION_TEXT: Record<string, string> = {
  promote: 'Promote',
  rollback: 'Roll back to control',
  keep_running: 'Keep running',
  inconclusive: 'Inconclusive',
};

/** What the variance is computed over, in words. */
export function analysisText(results: Results): string {
  return results.analysisUnit === 'unit'
    ? 'Analysed by randomization unit: variances, p-values and the sample-ratio check count units.'
    : 'Analysed per event: predictions carry no unitId, so the variance ignores that one unit’s events are correlated and p-values are too small. Send unitId with predictions.';
}

/** Results per metric with intervals, the sample-ratio check and the recommended decision. */
export function ExperimentResults({ results }: { results: Results }) {
  const { srm, decision } = results;
  const winner = decision.winner ? ` ${decision.winner.arm} (${decision.winner.version})` : '';
  return (
    <Stack direction="column" gap={2} data-testid={testIds.experiments.results}>
      {srm.mismatch ? (
        <div data-testid={testIds.experiments.srm}>
          <Alert severity="error" title="Sample ratio mismatch">
            Traffic split differs from the configured weights (p = {pValue(srm.pValue)}
            {srm.counts ? `, ${srm.counted} ${srm.counts.join(' / ')}` : ''}). Assignment is likely broken; do not trust these
            results until it is fixed.
          </Alert>
        </div>
      ) : (
        <Text color="secondary" data-testid={testIds.experiments.srm}>
          Sample ratio check passed (p = {pValue(srm.pValue)}, {srm.counted} {srm.counts.join(' / ')}).
        </Text>
      )}
      <Text
        color={results.analysisUnit === 'unit' ? 'secondary' : 'warning'}
        data-testid={testIds.experiments.analysisUnit}
      >
        {analysisText(results)}
      </Text>
      <Alert
        severity={
          decision.recommendation === 'rollback'
            ? 'warning'
            : decision.recommendation === 'promote'
              ? 'success'
              : 'info'
        }
        title={`Recommendation: ${DECISION_TEXT[decision.recommendation] ?? decision.recommendation}${decision.recommendation === 'promote' ? winner : ''}`}
      >
        {decision.reasons.join(' ')}
      </Alert>
      {results.metrics.map((metric) => (
        <Stack key={metric.metric} direction="column" gap={1}>
          <Text element="h4">
            {metric.metric}
            {metric.role && metric.role !== 'secondary' ? ` (${metric.role})` : ''}
          </Text>
          <InteractiveTable columns={columns(metric)} data={metric.arms} getRowId={(r) => r.arm} />
        </Stack>
      ))}
    </Stack>
  );
}
