export { RecentAlerts } from './RecentAlerts';
