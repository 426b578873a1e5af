import type { Selectable } from 'kysely';
import { z } from 'zod';
import { fromJson } from '../store/database.ts';
import type { AlertDecisionsTable, AlertIncidentsTable } from '../store/schema.ts';
import { targetRoles, type RollbackTarget } from '../actions/targeted-rollback.ts';
import { policyActions, policyModes } from './types.ts';

/** API shapes of incidents and decisions, and their mapping from rows. */

export const decisionOutcomes = [
  'acting',
  'acted',
  'failed',
  'dry_run',
  'pending',
  'rejected',
  'cooldown',
  'rate_limited',
  'ignored',
] as const;
export type StoredOutcome = (typeof decisionOutcomes)[number];

/** What a rollback was aimed at, what it did and why (actions/targeted-rollback.ts). */
export const decisionTargetSchema = z
  .object({
    version: z.string().nullable().meta({ description: "The version the alert is about (its `version` label); null when it names none" }),
    role: z.enum(targetRoles).meta({ description: 'What that version was: the champion, an experiment arm, a ramp canary, nothing serving, or unnamed' }),
    championBefore: z.string().nullable(),
    championAfter: z.string().nullable(),
    experimentId: z.string().nullable(),
    decision: z.string().meta({ description: 'What was done and why, in words' }),
  })
  .meta({ id: 'AlertDecisionTarget' });

export const decisionSchema = z
  .object({
    id: z.string(),
    incidentId: z.string(),
    model: z.string().nullable(),
    action: z.enum(policyActions),
    policy: z.string().nullable(),
    mode: z.enum(policyModes),
    outcome: z.enum(decisionOutcomes),
    reason: z.string(),
    createdAt: z.string(),
    actedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    actionId: z.string().nullable(),
    jobId: z.string().nullable(),
    error: z.string().nullable(),
    target: decisionTargetSchema.nullable().meta({ description: 'Rollback: the version acted on, what was done and why' }),
  })
  .meta({ id: 'AlertDecision' });

export const incidentSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    receiver: z.string().nullable(),
    alertname: z.string(),
    model: z.string().nullable(),
    severity: z.string().nullable(),
    status: z.enum(['firing', 'resolved']),
    fingerprint: z.string(),
    groupKey: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    deliveries: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    decision: decisionSchema.nullable(),
  })
  .meta({ id: 'AlertIncident' });

export type Decision = z.output<typeof decisionSchema>;
export type Incident = z.output<typeof incidentSchema>;

const iso = (ms: number | null): string | null => (ms == null ? null : new Date(Number(ms)).toISOString());

export interface DecisionResultJson {
  actionId?: string;
  jobId?: string;
  status?: string;
  error?: string;
  details?: { target?: RollbackTarget } & Record<string, unknown>;
}

export function toDecision(row: Selectable<AlertDecisionsTable>): Decision {
  const result = fromJson<DecisionResultJson>(row.result, {});
  return {
    id: row.id,
    incidentId: row.incident_id,
    model: row.model,
    action: row.action as Decision['action'],
    policy: row.policy,
    mode: row.mode as Decision['mode'],
    outcome: row.outcome as StoredOutcome,
    reason: row.reason,
    createdAt: iso(row.created_at)!,
    actedAt: iso(row.acted_at),
    decidedBy: row.decided_by,
    decidedAt: iso(row.decided_at),
    actionId: result.actionId ?? null,
    jobId: result.jobId ?? null,
    error: result.error ?? null,
    target: result.details?.target ?? null,
  };
}

export function toIncident(row: Selectable<AlertIncidentsTable>, decision: Decision | null): Incident {
  return {
    id: row.id,
    source: row.source,
    receiver: row.receiver,
    alertname: row.alertname,
    model: row.model,
    severity: row.severity,
    status: row.status as Incident['status'],
    fingerprint: row.fingerprint,
    groupKey: row.group_key,
    labels: fromJson(row.labels, {}),
    annotations: fromJson(row.annotations, {}),
    startsAt: iso(row.starts_at)!,
    endsAt: iso(row.ends_at),
    deliveries: Number(row.deliveries),
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    decision,
  };
}

/** What the webhook reply says for each alert of a delivery. */
export const alertResultSchema = z
  .object({
    fingerprint: z.string(),
    alertname: z.string(),
    model: z.string().nullable(),
    status: z.enum(['firing', 'resolved']),
    outcome: z.enum([...decisionOutcomes, 'duplicate', 'resolved']),
    action: z.enum(policyActions),
    policy: z.string().nullable(),
    reason: z.string(),
    incidentId: z.string(),
    decisionId: z.string().nullable(),
    actionId: z.string().nullable(),
    jobId: z.string().nullable(),
    target: decisionTargetSchema.nullable().meta({ description: 'Rollback: the version acted on, what was done and why' }),
  })
  .meta({ id: 'AlertWebhookResult' });

export type AlertResult = z.output<typeof alertResultSchema>;
