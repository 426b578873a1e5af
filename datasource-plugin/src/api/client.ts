import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type {
  AuditEntry,
  DriftResponse,
  Experiment,
  ExperimentResults,
  Job,
  KpiResponse,
  Model,
  ModelHealth,
  ModelVersion,
} from './types';

/** Path of the datasource proxy route in plugin.json; Grafana adds the token server-side. */
export const ROUTE_PATH = 'modelwatch';

export type Params = Record<string, string | number | boolean | undefined | null>;

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

/** Typed reads of the ModelWatch API through Grafana's datasource proxy. */
export class MwApiClient {
  readonly baseUrl: string;

  constructor(datasourceUid: string) {
    this.baseUrl = `/api/datasources/proxy/uid/${datasourceUid}/${ROUTE_PATH}`;
  }

  async get<T>(path: string, params?: Params): Promise<T> {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${this.baseUrl}${path}`,
        method: 'GET',
        params: cleanParams(params),
        showErrorAlert: false,
      })
    );
    return response.data;
  }

  healthz() {
    return this.get<{ status: string }>('/healthz');
  }

  async listModels(): Promise<Model[]> {
    return (await this.get<{ models: Model[] }>('/api/v1/models')).models;
  }

  getModel(model: string) {
    return this.get<Model>(`/api/v1/models/${seg(model)}`);
  }

  async listVersions(model: string): Promise<ModelVersion[]> {
    const body = await this.get<{ versions: ModelVersion[] } | ModelVersion[]>(`/api/v1/models/${seg(model)}/versions`);
    return Array.isArray(body) ? body : body.versions;
  }

  kpis(model: string, window: TimeWindow, filter: { version?: string; arm?: string; kpi?: string }) {
    return this.get<KpiResponse>(`/api/v1/models/${seg(model)}/kpis`, { ...window, ...filter });
  }

  /** `feature` and `version` take comma-separated lists. */
  drift(model: string, window: TimeWindow, filter: { version?: string; feature?: string; method?: string }) {
    return this.get<DriftResponse>(`/api/v1/models/${seg(model)}/drift`, { ...window, ...filter });
  }

  modelHealth(model: string) {
    return this.get<ModelHealth>(`/api/v1/models/${seg(model)}/health`);
  }

  async listExperiments(model?: string): Promise<Experiment[]> {
    return (await this.get<{ experiments: Experiment[] }>('/api/v1/experiments', { model })).experiments;
  }

  experimentResults(id: string) {
    return this.get<ExperimentResults>(`/api/v1/experiments/${seg(id)}/results`);
  }

  async listJobs(filter: { model?: string; status?: string } = {}): Promise<Job[]> {
    return (await this.get<{ jobs: Job[] }>('/api/v1/jobs', filter)).jobs;
  }

  async audit(filter: { model?: string; type?: string; from?: number; to?: number }): Promise<AuditEntry[]> {
    return (await this.get<{ actions: AuditEntry[] }>('/api/v1/audit', filter)).actions;
  }
}

/** A message a person can act on, from a failed request (ModelWatch error body, Grafana proxy error, or network). */
export function describeError(err: unknown): string {
  if (isFetchError(err)) {
    const data = err.data as { error?: { code?: string; message?: string }; message?: string } | undefined;
    const detail = data?.error?.message ?? data?.message ?? err.statusText ?? 'no response';
    return err.status ? `${err.status}: ${detail}` : detail;
  }
  if (err instanceof Error) {
    return err.message;
  }
  return String(err);
}

export function fetchStatus(err: unknown): number | undefined {
  return isFetchError(err) ? err.status : undefined;
}
