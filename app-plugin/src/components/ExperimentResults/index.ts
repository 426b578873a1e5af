export { ExperimentResults, intervalScale } from './ExperimentResults';
export { IntervalBar, axisPosition } from './IntervalBar';
