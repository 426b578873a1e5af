export { JobLogs } from './JobLogs';
