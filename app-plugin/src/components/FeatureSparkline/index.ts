export { FeatureSparkline, sparklineFields } from './FeatureSparkline';
