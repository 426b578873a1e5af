// The ModelWatch API contract both plugins share: generated types, named shapes, one client, KPIs.
export * from './client';
export * from './kpis';
export type * from './types';
export { DRIFT_METHODS } from './types';
