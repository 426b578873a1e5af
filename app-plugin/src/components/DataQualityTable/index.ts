export { DataQualityTable } from './DataQualityTable';
