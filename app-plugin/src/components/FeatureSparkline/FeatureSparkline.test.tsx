import React from 'react';
import { render, screen } from '@testing-library/react';
import { FeatureSparkline, sparklineFields } from './FeatureSparkline';

jest.mock('@grafana/ui', () => ({
  ...jest.requireActual('@grafana/ui'),
  // uPlot needs a real canvas; check what we hand it instead.
  Sparkline: (props: { sparkline: { y: { values: number[] } } }) => (
    <div>sparkline {props.sparkline.y.values.join(',')}</div>
  ),
}));

describe('FeatureSparkline', () => {
  it('plots score over time', () => {
    const fields = sparklineFields([1, 2], [0.1, 0.3]);
    expect(fields.x!.values).toEqual([1, 2]);
    expect(fields.y.values).toEqual([0.1, 0.3]);
    render(<FeatureSparkline times={[1, 2, 3]} values={[0.1, 0.2, 0.4]} threshold={0.2} />);
    expect(screen.getByText('sparkline 0.1,0.2,0.4')).toBeInTheDocument();
  });

  it('draws nothing for a single point', () => {
    const { container } = render(<FeatureSparkline times={[1]} values={[0.1]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
