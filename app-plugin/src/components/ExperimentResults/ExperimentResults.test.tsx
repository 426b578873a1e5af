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
  unit: 'impression',
  analysisUnit: 'unit',
  arms: [
    { arm: 'control', version: 'v1', n: 1000, events: 1000, units: 240, mean: 0.05, comparison: null },
    {
      arm: 'treatment',
      version: 'v2',
      n: 1010,
      events: 1010,
      units: 251,
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
    analysisUnit: 'unit',
    srm: { counted: 'units', counts: [240, 251], expected: [245.5, 245.5], pValue: 0.6, mismatch: false },
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
    expect(screen.getByTestId(testIds.experiments.srm)).toHaveTextContent('Sample ratio check passed (p = 0.600, units 240 / 251)');
    expect(screen.getByText('Events (impressions)')).toBeInTheDocument();
    expect(treatment.getByText('251')).toBeInTheDocument();
    expect(treatment.getByText('1010')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.experiments.analysisUnit)).toHaveTextContent('Analysed by randomization unit');
  });

  it('says when the results fall back to the per-event analysis (no unitId)', () => {
    const perEvent = partial<MetricResult>({ ...metric, analysisUnit: 'event', arms: metric.arms.map((a) => ({ ...a, units: null })) });
    render(<ExperimentResults results={results({ analysisUnit: 'event', metrics: [perEvent], srm: { counted: 'impressions', counts: [1000, 1010], pValue: 0.8, mismatch: false } })} />);
    expect(screen.getByTestId(testIds.experiments.analysisUnit)).toHaveTextContent(/Analysed per event: predictions carry no unitId/);
    expect(within(screen.getAllByRole('row')[1]!).getByText('—')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.experiments.srm)).toHaveTextContent('impressions 1000 / 1010');
  });

  it('warns loudly on a sample ratio mismatch', () => {
    render(
      <ExperimentResults
        results={results({
          metrics: [],
          srm: { counted: 'units', counts: [900, 1100], pValue: 0.00001, mismatch: true },
          decision: { recommendation: 'inconclusive', reasons: [], winner: null },
        })}
      />
    );
    expect(screen.getByText('Sample ratio mismatch')).toBeInTheDocument();
    expect(screen.getByText(/p = 1.0e-5, units 900 \/ 1100/)).toBeInTheDocument();
    expect(screen.getByText('Recommendation: Inconclusive')).toBeInTheDocument();
  });

  it('scales interval bars to the widest bound', () => {
    expect(intervalScale(metric)).toBe(0.21);
    expect(axisPosition(0, 0.2)).toBe(50);
    expect(axisPosition(0.4, 0.2)).toBe(100);
    expect(axisPosition(-0.1, 0.2)).toBe(25);
  });
});
