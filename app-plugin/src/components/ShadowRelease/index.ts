export { ShadowRelease, comparisonLines, shadowLine } from './ShadowRelease';
