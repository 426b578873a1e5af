import React, { useState } from 'react';
import { Alert, Button, Input, Stack, Text } from '@grafana/ui';
import type { ShadowComparison, ShadowStatus } from '@modelwatch/plugin-api';
import { errorMessage } from '../../api/client';
import { useShadow, useShadowChange } from '../../data/useShadow';
import { decimal, percent } from '../../utils/format';
import { hasRole } from '../../utils/roles';
import { testIds } from '../testIds';

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const ms = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} ms`);

/** One line saying what the shadow is doing (or did, and why it stopped). */
export function shadowLine(s: ShadowStatus): string {
  const shadow = s.shadow;
  if (!shadow) {
    return 'No shadow yet: start one to score the champion’s requests with another version, serving none of them.';
  }
  const what = `${shadow.version} shadows champion ${shadow.champion} since ${when(shadow.startedAt)} (by ${shadow.startedBy})`;
  if (shadow.status === 'running') {
    const judgeAt = shadow.release?.judgeAt;
    const release = shadow.release
      ? `; a retrain’s release: judged ${typeof judgeAt === 'number' ? `at ${when(judgeAt)}` : 'when due'}, its canary starts if the gates pass`
      : '';
    return `Running: ${what}${release}`;
  }
  return `Stopped ${when(shadow.stoppedAt ?? shadow.startedAt)}: ${what}; ${shadow.stopReason ?? 'stopped'}`;
}

/** The comparison figures, one labelled line each. */
export function comparisonLines(c: ShadowComparison): Array<[string, string]> {
  return [
    ['Pairs', c.pairs.toLocaleString('en-US')],
    ['Decision agreement', percent(c.decisionAgreement)],
    ['Mean |score difference|', decimal(c.meanAbsDiff, 4)],
    ['Score PSI (shadow vs champion)', decimal(c.scoreDrift?.psi ?? null, 3)],
    ['Error rate (shadow / champion)', `${percent(c.shadow.errorRate, 2)} / ${percent(c.champion.errorRate, 2)}`],
    ['Latency p50 (shadow / champion)', `${ms(c.shadow.latencyP50)} / ${ms(c.champion.latencyP50)}`],
    ['Latency p99 (shadow / champion)', `${ms(c.shadow.latencyP99)} / ${ms(c.champion.latencyP99)}`],
    ['p99 latency ratio', c.latencyRatio === null ? '–' : `${c.latencyRatio.toFixed(2)}×`],
  ];
}

/** The model page's Shadow section: status, live comparison with the champion, start and stop for editors. */
export function ShadowRelease({ model }: { model: string }) {
  const shadow = useShadow(model);
  const change = useShadowChange(model);
  const [version, setVersion] = useState('');
  const canChange = hasRole('Editor');
  const running = shadow.data?.shadow?.status === 'running';

  return (
    <div data-testid={testIds.model.shadow}>
      <Stack direction="column" gap={1}>
        {shadow.data ? (
          <div data-testid={testIds.model.shadowStatus}>
            <Text>{shadowLine(shadow.data)}</Text>
          </div>
        ) : shadow.error ? (
          <Alert severity="error" title="Shadow status unavailable">
            {errorMessage(shadow.error)}
          </Alert>
        ) : (
          <Text color="secondary">Loading…</Text>
        )}
        {shadow.data?.comparison && (
          <table data-testid={testIds.model.shadowComparison}>
            <tbody>
              {comparisonLines(shadow.data.comparison).map(([label, value]) => (
                <tr key={label}>
                  <td>
                    <Text color="secondary">{label}</Text>
                  </td>
                  <td>
                    <Text>{value}</Text>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canChange && (
          <Stack gap={1} alignItems="center">
            <Input
              data-testid={testIds.model.shadowVersion}
              width={16}
              placeholder="version, e.g. v4"
              value={version}
              onChange={(e) => setVersion(e.currentTarget.value.trim())}
            />
            <Button
              data-testid={testIds.model.shadowStart}
              size="sm"
              icon="eye"
              disabled={!version || change.isPending}
              onClick={() => change.mutate({ version, reason: 'started from the model page' })}
            >
              {running ? 'Replace shadow' : 'Start shadow'}
            </Button>
            {running && (
              <Button
                data-testid={testIds.model.shadowStop}
                size="sm"
                variant="secondary"
                disabled={change.isPending}
                onClick={() => change.mutate({ reason: 'stopped from the model page' })}
              >
                Stop shadow
              </Button>
            )}
          </Stack>
        )}
        {change.error && (
          <Alert severity="error" title="The shadow did not change">
            {errorMessage(change.error)}
          </Alert>
        )}
      </Stack>
    </div>
  );
}
