export { AuditTimeline, entryTitle } from './AuditTimeline';
