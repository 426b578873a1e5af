import { notFound } from '../core/errors.ts';
import type { AlertDeps } from './alert-deps.ts';
import { toDecision, toIncident, type Decision, type Incident } from './alert-records.ts';
import type { IncidentQuery } from './alert-store.ts';

/** Incidents (one per alert instance) with their decisions, for GET /api/v1/incidents. */

export async function listIncidents({ store }: Pick<AlertDeps, 'store'>, query: IncidentQuery = {}): Promise<Incident[]> {
  const rows = await store.listIncidents(query);
  const decisions = await store.latestDecisions(rows.map((r) => r.id));
  return rows.map((row) => {
    const latest = decisions.get(row.id);
    return toIncident(row, latest ? toDecision(latest) : null);
  });
}

export async function getIncident({ store }: Pick<AlertDeps, 'store'>, id: string): Promise<Incident & { decisions: Decision[] }> {
  const row = await store.incident(id);
  if (!row) throw notFound(`incident "${id}" not found; list them with GET /api/v1/incidents`);
  const decisions = (await store.decisionsOf(id)).map(toDecision);
  return { ...toIncident(row, decisions.at(-1) ?? null), decisions };
}
