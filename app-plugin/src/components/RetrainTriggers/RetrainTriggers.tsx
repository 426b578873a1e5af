import React from 'react';
import { Stack, Text } from '@grafana/ui';
import type { RetrainTriggers as Triggers } from '@modelwatch/plugin-api';
import { testIds } from '../testIds';

const when = (iso: string) => new Date(iso).toLocaleString();
const days = (ms: number) => (ms >= 86_400_000 ? `${+(ms / 86_400_000).toFixed(2)} d` : `${+(ms / 3_600_000).toFixed(2)} h`);

/** What the model page says about its scheduled and data-volume retrains, one line each. */
export function triggerLines(t: Triggers): string[] {
  const lines: string[] = [];
  if (t.schedule) {
    const next = t.schedule.nextRun ? `next run ${when(t.schedule.nextRun)}` : 'no further run';
    lines.push(`Schedule ${t.schedule.cron} (${t.schedule.timezone}): ${next}`);
  }
  if (t.volume) {
    const { labelledSinceLastTraining: n, labelledRows: of } = t.volume;
    lines.push(
      `Data volume: ${n.toLocaleString('en-US')} of ${of.toLocaleString('en-US')} labelled rows since the last training (${when(t.volume.since)})`
    );
  }
  if (lines.length === 0) {
    lines.push('None: set settings.retrain.schedule or settings.retrain.volume to retrain without an alert');
  }
  if (t.recencyHalfLifeMs) {
    lines.push(`Training rows weighted by age: a row's weight halves every ${days(t.recencyHalfLifeMs)}`);
  }
  if (t.retrainActive) {
    lines.push('A retrain is queued or running: triggers wait for it');
  } else if (t.cooldownUntil) {
    lines.push(`Cooldown until ${when(t.cooldownUntil)}`);
  }
  return lines;
}

export function RetrainTriggers({ triggers }: { triggers?: Triggers }) {
  return (
    <div data-testid={testIds.model.retrainTriggers}>
      {triggers ? (
        <Stack direction="column" gap={0}>
          {triggerLines(triggers).map((line) => (
            <Text key={line}>{line}</Text>
          ))}
        </Stack>
      ) : (
        <Text color="secondary">Loading…</Text>
      )}
    </div>
  );
}
