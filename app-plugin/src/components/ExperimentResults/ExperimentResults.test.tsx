import React from 'react';
import { render, screen, within } from '@testing-library/react';
import { ExperimentResults, intervalScale } from './ExperimentResults';
import { axisPosition } from './IntervalBar';
import { testIds } from '../testIds';

const metric = {
  metric: 'ctr',
  arms: [
    { arm: 'control', version: 'v1', n: 1000, value: 0.05 },
    {
      arm: 'treatment',
      version: 'v2',
      n: 1010,
      value: 0.056,
      effect: 0.12,
      ci: [0.03, 0.21] as [number, number],
      pValue: 0.004,
      chanceToWin: 0.997,
      significant: true,
    },
  ],
};

describe('ExperimentResults', () => {
  it('shows lift with its interval, p-value, chance to win and the recommendation', () => {
    render(
      <ExperimentResults
        results={{
          id: 'e1',
          metrics: [metric],
          srm: { pValue: 0.6, mismatch: false },
          recommendation: { decision: 'promote', reason: 'treatment wins on ctr' },
        }}
      />
    );
    const rows = screen.getAllByRole('row').slice(1);
    const treatment = within(rows[1]!);
    expect(treatment.getByText('+12.0%')).toBeInTheDocument();
    expect(treatment.getByText('+3.0% … +21.0%')).toBeInTheDocument();
    expect(treatment.getByText('0.004')).toBeInTheDocument();
    expect(treatment.getByText('100%')).toBeInTheDocument();
    expect(treatment.getByText('Significant')).toBeInTheDocument();
    expect(screen.getByText('Recommendation: Promote the treatment')).toBeInTheDocument();
    expect(screen.getByTestId(testIds.experiments.srm)).toHaveTextContent('Sample ratio check passed (p = 0.600)');
  });

  it('warns loudly on a sample ratio mismatch', () => {
    render(<ExperimentResults results={{ id: 'e1', metrics: [], srm: { pValue: 0.00001, mismatch: true } }} />);
    expect(screen.getByText('Sample ratio mismatch')).toBeInTheDocument();
    expect(screen.getByText(/p = 1.0e-5/)).toBeInTheDocument();
  });

  it('scales interval bars to the widest bound', () => {
    expect(intervalScale(metric)).toBe(0.21);
    expect(axisPosition(0, 0.2)).toBe(50);
    expect(axisPosition(0.4, 0.2)).toBe(100);
    expect(axisPosition(-0.1, 0.2)).toBe(25);
  });
});
