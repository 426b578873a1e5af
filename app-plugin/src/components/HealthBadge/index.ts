export { HealthBadge, reasonText } from './HealthBadge';
