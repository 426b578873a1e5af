export { PendingActions } from './PendingActions';
