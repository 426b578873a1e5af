import React from 'react';
import { render, screen, within } from '@testing-library/react';
import type { ExperimentResults as Results, MetricResult } from '@modelwatch/plugin-api';
import { partial, type DeepPartial } from '@modelwatch/plugin-api/testing';
import { ExperimentResults, intervalScale } from './ExperimentResults';
import { axisPosition } from './IntervalBar';
import { testIds } from '../testIds';

const metric = partial<MetricResult>({
  metric: 'ctr',
  role: 'primary',
  kind: 'proportion',
  arms: [
    { arm: 'control', version: 'v1', n: 1000, mean: 0.05, comparison: null },
    {
      arm: 'treatment',
      version: 'v2',
      n: 1010,
      mean: 0.056,
      comparison: {
        effect: 0.12,
        difference: 'relative',
        ci: [0.03, 0.21],
        pValue: 0.002,
        adjustedPValue: 0.004,
        significant: true,
        chanceToWin: 0.997,
      },
    },
  ],
});

const results = (overrides: DeepPartial<Results> = {}): Results =>
  partial<Results>({
    experimentId: 'e1',
    model: 'ctr',
    metrics: [metric],
    srm: { counts: [1000, 1010], expected: [1005, 1005], pValue: 0.6, mismatch: false },
    decision: {
      recommendation: 'promote',
      reasons: ['treatment wins on ctr'],
      winner: { arm: 'treatment', version: 'v2' },
    },
    ...overrides,
  });

describe('ExperimentResults', () => {
  it('shows lift with its interval, adjusted p-value, chance to win and the recommendation', () => {
    render(<ExperimentResults results={results()} />);
    const rows = screen.getAllByRole('row').slice(1);
    const treatment = within(rows[1]!);
    expect(treatment.getByText('+12.0%')).toBeInTheDocument();
    expect(treatment.getByText('+3.0% … +21.0%')).toBeInTheDocument();
    expect(treatment.getByText('0.004')).toBeInTheDocument();
    expect(treatment.getByText('100%')).toBeInTheDocument();
    expect(treatment.getByText('Significant')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('5.00%')).toBeInTheDocument();
    expect(screen.getByText('Recommendation: Promote treatment (v2)')).toBeInTheDocument();
    expect(screen.getByText('ctr (primary)')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.experiments.srm)).toHaveTextContent('Sample ratio check passed (p = 0.600)');
  });

  it('warns loudly on a sample ratio mismatch', () => {
    render(
      <ExperimentResults
        results={results({
          metrics: [],
          srm: { counts: [900, 1100], pValue: 0.00001, mismatch: true },
          decision: { recommendation: 'inconclusive', reasons: [], winner: null },
        })}
      />
    );
    expect(screen.getByText('Sample ratio mismatch')).toBeInTheDocument();
    expect(screen.getByText(/p = 1.0e-5, counts 900 \/ 1100/)).toBeInTheDocument();
    expect(screen.getByText('Recommendation: Inconclusive')).toBeInTheDocument();
  });

  it('scales interval bars to the widest bound', () => {
    expect(intervalScale(metric)).toBe(0.21);
    expect(axisPosition(0, 0.2)).toBe(50);
    expect(axisPosition(0.4, 0.2)).toBe(100);
    expect(axisPosition(-0.1, 0.2)).toBe(25);
  });
});
