export { JobsTable } from './JobsTable';
