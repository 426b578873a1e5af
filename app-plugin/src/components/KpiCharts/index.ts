export { KpiCharts, KPI_GROUPS } from './KpiCharts';
