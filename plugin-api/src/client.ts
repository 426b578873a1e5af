import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type {
  ActionReply,
  Aliases,
  AuditList,
  DataQualityResponse,
  DecisionReply,
  DriftResponse,
  ExperimentList,
  ExperimentResults,
  Healthz,
  IncidentList,
  JobList,
  JobLogPage,
  JobReply,
  KpiResponse,
  Model,
  ModelHealth,
  ModelList,
  PendingList,
  PolicyDocument,
  PolicyInput,
  PromoteInput,
  RetrainInput,
  RetrainTriggers,
  RollbackInput,
  ShadowStatus,
  StartShadowInput,
  StopDecision,
  StopExperimentReply,
  VersionList,
} from './types';

/**
 * Which plugin proxy route a request takes. The app has one route per role (read = GET, any
 * signed-in user; edit = POST, Editor; admin = POST/PUT, Admin), so Grafana checks the role and
 * adds the backend token server-side; the datasource has one route for everything it reads.
 */
export type Access = 'read' | 'edit' | 'admin';

export type Params = Record<string, string | number | boolean | undefined | null>;

export interface FetchOptions {
  params?: Params;
  data?: unknown;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
}

export interface TimeWindow {
  from: number;
  to: number;
  /** Milliseconds per point. */
  step?: number;
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

const seg = encodeURIComponent;
const m = (model: string) => `/api/v1/models/${seg(model)}`;
const withKey = (key?: string) => (key ? { 'Idempotency-Key': key } : undefined);

/**
 * The one client of the ModelWatch API, over Grafana's getBackendSrv().fetch. `baseUrl` gives the
 * proxy route prefix for an access level (the plugin's own routes in plugin.json). Failed requests
 * reject with Grafana's FetchError; see fetchErrorDetail().
 */
export function createApiClient(baseUrl: (access: Access) => string) {
  async function fetchAPI<T>(access: Access, path: string, options: FetchOptions = {}): Promise<T> {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${baseUrl(access)}${path}`,
        method: options.method ?? (access === 'read' ? 'GET' : 'POST'),
        params: cleanParams(options.params),
        data: options.data,
        headers: options.headers,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  }

  return {
    healthz: () => fetchAPI<Healthz>('read', '/healthz'),

    listModels: async () => (await fetchAPI<ModelList>('read', '/api/v1/models')).models,
    getModel: (model: string) => fetchAPI<Model>('read', m(model)),
    listVersions: async (model: string) => (await fetchAPI<VersionList>('read', `${m(model)}/versions`)).versions,
    getAliases: (model: string) => fetchAPI<Aliases>('read', `${m(model)}/aliases`, { params: { limit: 20 } }),
    kpis: (model: string, window: TimeWindow, filter: { version?: string; arm?: string; kpi?: string } = {}) =>
      fetchAPI<KpiResponse>('read', `${m(model)}/kpis`, { params: { ...window, ...filter } }),
    /** `feature` and `version` take comma-separated lists. */
    drift: (model: string, window: TimeWindow, filter: { version?: string; feature?: string; method?: string } = {}) =>
      fetchAPI<DriftResponse>('read', `${m(model)}/drift`, { params: { ...window, ...filter } }),
    /** Missing, out-of-range, unseen and type-error rates, mean shifts and freshness; `version` takes a comma-separated list. */
    /** With `window.step`, each version also has its `windows`. */
    dataQuality: (model: string, window: TimeWindow, filter: { version?: string; k?: number; minVolume?: number } = {}) =>
      fetchAPI<DataQualityResponse>('read', `${m(model)}/data-quality`, { params: { ...window, ...filter } }),
    health: (model: string) => fetchAPI<ModelHealth>('read', `${m(model)}/health`),
    retrainTriggers: (model: string) => fetchAPI<RetrainTriggers>('read', `${m(model)}/retrain-triggers`),
    audit: async (filter: { model?: string; type?: string; from?: number; to?: number; limit?: number }) =>
      (await fetchAPI<AuditList>('read', '/api/v1/audit', { params: filter })).actions,

    promote: async (model: string, input: PromoteInput, key?: string) =>
      (await fetchAPI<ActionReply>('admin', `${m(model)}/actions/promote`, { data: input, headers: withKey(key) }))
        .action,
    rollback: async (model: string, input: RollbackInput, key?: string) =>
      (await fetchAPI<ActionReply>('admin', `${m(model)}/actions/rollback`, { data: input, headers: withKey(key) }))
        .action,
    retrain: async (model: string, input: RetrainInput, key?: string) =>
      (await fetchAPI<ActionReply>('edit', `${m(model)}/actions/retrain`, { data: input, headers: withKey(key) }))
        .action,

    /** The shadow (running, else the newest stopped) and its comparison with the champion. */
    shadow: (model: string) => fetchAPI<ShadowStatus>('read', `${m(model)}/shadow`),
    startShadow: (model: string, input: StartShadowInput) => fetchAPI<ShadowStatus>('edit', `${m(model)}/shadow`, { data: input }),
    stopShadow: (model: string, reason?: string) =>
      fetchAPI<ShadowStatus>('edit', `${m(model)}/shadow/stop`, { data: reason ? { reason } : {} }),

    listExperiments: async (model?: string) =>
      (await fetchAPI<ExperimentList>('read', '/api/v1/experiments', { params: { model } })).experiments,
    experimentResults: (id: string) => fetchAPI<ExperimentResults>('read', `/api/v1/experiments/${seg(id)}/results`),
    /** Stopping with promote/rollback changes what serves, so it needs an admin; "none" only needs an editor. */
    stopExperiment: async (id: string, decision: StopDecision, reason: string, key?: string) =>
      (
        await fetchAPI<StopExperimentReply>(
          decision === 'none' ? 'edit' : 'admin',
          `/api/v1/experiments/${seg(id)}/stop`,
          {
            data: { decision, reason },
            headers: withKey(key),
          }
        )
      ).experiment,

    listJobs: async (filter: { model?: string; status?: string } = {}) =>
      (await fetchAPI<JobList>('read', '/api/v1/jobs', { params: filter })).jobs,
    getJob: async (id: string) => (await fetchAPI<JobReply>('read', `/api/v1/jobs/${seg(id)}`)).job,
    /** Log lines after `after` (a seq), oldest first. */
    jobLogs: (id: string, after = 0) =>
      fetchAPI<JobLogPage>('read', `/api/v1/jobs/${seg(id)}/logs`, { params: { after, limit: 1000 } }),
    cancelJob: async (id: string, reason?: string) =>
      (await fetchAPI<JobReply>('edit', `/api/v1/jobs/${seg(id)}/cancel`, { data: reason ? { reason } : {} })).job,

    getPolicies: () => fetchAPI<PolicyDocument>('read', '/api/v1/policies'),
    /** Replaces the policy document; the backend validates it and says which field is wrong. */
    putPolicies: (doc: PolicyInput) =>
      fetchAPI<PolicyDocument>('admin', '/api/v1/policies', { method: 'PUT', data: doc }),
    /** Alerts received and what the policies decided (dry runs say what they would have done). */
    listIncidents: async (filter: { model?: string; limit?: number } = {}) =>
      (await fetchAPI<IncidentList>('read', '/api/v1/incidents', { params: filter })).incidents,
    /** Actions that policies in approval mode queued for a person. */
    listPending: async () => (await fetchAPI<PendingList>('read', '/api/v1/policies/pending')).pending,
    approvePending: async (id: string, reason?: string) =>
      (
        await fetchAPI<DecisionReply>('admin', `/api/v1/policies/pending/${seg(id)}/approve`, {
          data: reason ? { reason } : {},
        })
      ).decision,
    rejectPending: async (id: string, reason?: string) =>
      (
        await fetchAPI<DecisionReply>('admin', `/api/v1/policies/pending/${seg(id)}/reject`, {
          data: reason ? { reason } : {},
        })
      ).decision,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

/** What a failed request says: the HTTP status, the ModelWatch error (if the backend answered) or Grafana's message. */
export interface FetchErrorDetail {
  status?: number;
  /** The backend's `{error: {message}}`, Grafana's proxy `message`, the status text, or the error's message. */
  detail: string;
  /** True when the body is a ModelWatch error (the backend answered, not Grafana's proxy). */
  fromBackend: boolean;
}

export function fetchErrorDetail(err: unknown): FetchErrorDetail {
  if (isFetchError(err)) {
    const data = err.data as { error?: { message?: string }; message?: string } | undefined;
    return {
      status: err.status || undefined,
      detail: data?.error?.message ?? data?.message ?? err.statusText ?? 'no response',
      fromBackend: Boolean(data?.error),
    };
  }
  return { detail: err instanceof Error ? err.message : String(err), fromBackend: false };
}

/** A fresh Idempotency-Key: a retried click must not act twice. */
export function idempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') {
    return crypto.randomUUID();
  }
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
