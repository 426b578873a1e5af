import React from 'react';
import { render, screen } from '@testing-library/react';
import type { RetrainTriggers as Triggers } from '@modelwatch/plugin-api';
import { RetrainTriggers, triggerLines } from './RetrainTriggers';

const base: Triggers = {
  model: 'ctr',
  schedule: null,
  volume: null,
  cooldownMs: 1_800_000,
  cooldownUntil: null,
  retrainActive: false,
  recencyHalfLifeMs: null,
};

describe('RetrainTriggers', () => {
  it('shows the schedule with its next run and the labelled rows against the threshold', () => {
    const t: Triggers = {
      ...base,
      schedule: { cron: '0 2 * * *', timezone: 'UTC', nextRun: '2026-12-03T02:00:00.000Z' },
      volume: { labelledRows: 10_000, labelledSinceLastTraining: 12_345, since: '2026-12-01T00:00:00.000Z' },
    };
    render(<RetrainTriggers triggers={t} />);
    expect(screen.getByText(/^Schedule 0 2 \* \* \* \(UTC\): next run /)).toBeInTheDocument();
    expect(
      screen.getByText(/^Data volume: 12,345 of 10,000 labelled rows since the last training/)
    ).toBeInTheDocument();
  });

  it('says when none is set, and what holds them back', () => {
    expect(triggerLines(base)[0]).toMatch(/^None: set settings\.retrain\.schedule/);
    expect(triggerLines({ ...base, cooldownUntil: '2026-12-03T02:00:00.000Z' })[1]).toMatch(/^Cooldown until /);
    expect(triggerLines({ ...base, retrainActive: true })[1]).toBe(
      'A retrain is queued or running: triggers wait for it'
    );
  });

  it('says how training rows are weighted by age when the built-in trainer has a half-life', () => {
    expect(triggerLines({ ...base, recencyHalfLifeMs: 3 * 86_400_000 })).toContain(
      "Training rows weighted by age: a row's weight halves every 3 d"
    );
    expect(triggerLines({ ...base, recencyHalfLifeMs: 12 * 3_600_000 })[1]).toMatch(/halves every 12 h$/);
    expect(triggerLines(base).join(' ')).not.toMatch(/weighted by age/);
  });
});
