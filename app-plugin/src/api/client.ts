import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { PLUGIN_ID } from '../constants';
import type {
  Action,
  Aliases,
  AuditEntry,
  DriftResponse,
  Experiment,
  ExperimentResults,
  Job,
  JobDetail,
  JobLogPage,
  Incident,
  KpiResponse,
  Model,
  ModelHealth,
  ModelVersion,
  PendingDecision,
  PolicyDocument,
  PromoteInput,
  RetrainInput,
  RollbackInput,
  StopDecision,
} from './types';

/**
 * Which plugin proxy route a request takes (see plugin.json `routes`). Grafana checks the user's
 * role per route and adds the backend token server-side, so the browser never holds one:
 * read = GET, any signed-in user; edit = POST, Editor (retrain, experiments, jobs);
 * admin = POST/PUT, Admin (promote, rollback, policies, approvals).
 */
export type Access = 'read' | 'edit' | 'admin';

export const PROXY_BASE = `/api/plugin-proxy/${PLUGIN_ID}`;

export type Params = Record<string, string | number | boolean | undefined | null>;

export interface FetchOptions {
  params?: Params;
  data?: unknown;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  responseType?: 'json' | 'text';
}

function cleanParams(params: Params = {}): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      out[key] = value;
    }
  }
  return out;
}

export function proxyUrl(access: Access, path: string): string {
  return `${PROXY_BASE}/${access}${path}`;
}

/** The one way the app talks to ModelWatch. Errors surface as FetchError; see errorMessage(). */
export async function fetchAPI<T>(access: Access, path: string, options: FetchOptions = {}): Promise<T> {
  const method = options.method ?? (access === 'read' ? 'GET' : 'POST');
  const response = await lastValueFrom(
    getBackendSrv().fetch<T>({
      url: proxyUrl(access, path),
      method,
      params: cleanParams(options.params),
      data: options.data,
      headers: options.headers,
      responseType: options.responseType,
      showErrorAlert: false,
      showSuccessAlert: false,
    })
  );
  return response.data;
}

/** A message a person can act on, for a failed request. */
export function errorMessage(err: unknown): string {
  if (isFetchError(err)) {
    const data = err.data as { error?: { message?: string }; message?: string } | undefined;
    const detail = data?.error?.message ?? data?.message ?? err.statusText ?? 'no response';
    if (err.status === 403 && !data?.error) {
      return 'Your Grafana role does not allow this (403). Ask an admin.';
    }
    if (err.status === 502 || err.status === 504) {
      return `Grafana cannot reach the ModelWatch backend (${err.status}). Check the URL on the app's configuration page.`;
    }
    return err.status ? `${detail} (${err.status})` : detail;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A fresh Idempotency-Key: a retried click must not act twice. */
export function idempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

const seg = encodeURIComponent;
const m = (model: string) => `/api/v1/models/${seg(model)}`;
const withKey = (key?: string) => (key ? { 'Idempotency-Key': key } : undefined);

export interface TimeWindow {
  from: number;
  to: number;
  step?: number;
}

/** One typed method per ModelWatch endpoint (API.md). Writes take the route their role needs. */
export const api = {
  listModels: async () => (await fetchAPI<{ models: Model[] }>('read', '/api/v1/models')).models,
  getModel: (model: string) => fetchAPI<Model>('read', m(model)),
  listVersions: async (model: string) =>
    (await fetchAPI<{ versions: ModelVersion[] }>('read', `${m(model)}/versions`)).versions,
  getAliases: (model: string) => fetchAPI<Aliases>('read', `${m(model)}/aliases`, { params: { limit: 20 } }),
  kpis: (model: string, window: TimeWindow, filter: Params = {}) =>
    fetchAPI<KpiResponse>('read', `${m(model)}/kpis`, { params: { ...window, ...filter } }),
  drift: (model: string, window: TimeWindow, filter: Params = {}) =>
    fetchAPI<DriftResponse>('read', `${m(model)}/drift`, { params: { ...window, ...filter } }),
  health: (model: string) => fetchAPI<ModelHealth>('read', `${m(model)}/health`),
  audit: async (filter: { model?: string; from?: number; to?: number; limit?: number }) =>
    (await fetchAPI<{ actions: AuditEntry[] }>('read', '/api/v1/audit', { params: filter })).actions,

  promote: async (model: string, input: PromoteInput, key?: string) =>
    (await fetchAPI<{ action: Action }>('admin', `${m(model)}/actions/promote`, { data: input, headers: withKey(key) }))
      .action,
  rollback: async (model: string, input: RollbackInput, key?: string) =>
    (
      await fetchAPI<{ action: Action }>('admin', `${m(model)}/actions/rollback`, {
        data: input,
        headers: withKey(key),
      })
    ).action,
  retrain: async (model: string, input: RetrainInput, key?: string) =>
    (await fetchAPI<{ action: Action }>('edit', `${m(model)}/actions/retrain`, { data: input, headers: withKey(key) }))
      .action,

  listExperiments: async (model?: string) =>
    (await fetchAPI<{ experiments: Experiment[] }>('read', '/api/v1/experiments', { params: { model } })).experiments,
  experimentResults: (id: string) => fetchAPI<ExperimentResults>('read', `/api/v1/experiments/${seg(id)}/results`),
  /** Stopping with promote/rollback changes what serves, so it needs an admin; "none" only needs an editor. */
  stopExperiment: (id: string, decision: StopDecision, reason: string, key?: string) =>
    fetchAPI<Experiment | { experiment: Experiment }>(
      decision === 'none' ? 'edit' : 'admin',
      `/api/v1/experiments/${seg(id)}/stop`,
      {
        data: { decision, reason },
        headers: withKey(key),
      }
    ),

  listJobs: async (filter: { model?: string; status?: string } = {}) =>
    (await fetchAPI<{ jobs: Job[] }>('read', '/api/v1/jobs', { params: filter })).jobs,
  getJob: async (id: string) => {
    return (await fetchAPI<{ job: JobDetail }>('read', `/api/v1/jobs/${seg(id)}`)).job;
  },
  /** Log lines after `after` (a seq), oldest first. */
  jobLogs: (id: string, after = 0) =>
    fetchAPI<JobLogPage>('read', `/api/v1/jobs/${seg(id)}/logs`, { params: { after, limit: 1000 } }),
  cancelJob: (id: string, reason?: string) =>
    fetchAPI<{ job: Job }>('edit', `/api/v1/jobs/${seg(id)}/cancel`, { data: reason ? { reason } : {} }),

  getPolicies: () => fetchAPI<PolicyDocument>('read', '/api/v1/policies'),
  /** Replaces the policy document; the backend validates it and says which field is wrong. */
  putPolicies: (doc: Pick<PolicyDocument, 'dryRun' | 'maxActionsPerHour' | 'policies'>) =>
    fetchAPI<PolicyDocument>('admin', '/api/v1/policies', { method: 'PUT', data: doc }),
  /** Alerts received and what the policies decided (dry runs say what they would have done). */
  listIncidents: async (filter: { model?: string; limit?: number } = {}) =>
    (await fetchAPI<{ incidents: Incident[] }>('read', '/api/v1/incidents', { params: filter })).incidents,
  /** Actions that policies in approval mode queued for a person. */
  listPending: async () => (await fetchAPI<{ pending: PendingDecision[] }>('read', '/api/v1/policies/pending')).pending,
  approvePending: (id: string, reason?: string) =>
    fetchAPI<{ decision: unknown }>('admin', `/api/v1/policies/pending/${seg(id)}/approve`, {
      data: reason ? { reason } : {},
    }),
  rejectPending: (id: string, reason?: string) =>
    fetchAPI<{ decision: unknown }>('admin', `/api/v1/policies/pending/${seg(id)}/reject`, {
      data: reason ? { reason } : {},
    }),
};
