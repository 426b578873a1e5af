/**
 * Roles per docs/api.md and docs/security.md. A permission is what a route needs; each role
 * grants a set of them. `ingest` tokens write records (and get predictions) but read nothing
 * else. `webhook` tokens call no route: they are the dedicated alert credential that an admin
 * creates so that alerts may roll back (alerts/automation-rights.ts).
 */
export const roles = ['viewer', 'ingest', 'editor', 'admin', 'webhook'] as const;
export type Role = (typeof roles)[number];

export const permissions = ['read', 'ingest', 'edit', 'admin'] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  ingest: ['ingest'],
  editor: ['read', 'ingest', 'edit'],
  admin: ['read', 'ingest', 'edit', 'admin'],
  webhook: [],
};

export const roleAllows = (role: Role, permission: Permission): boolean => grants[role].includes(permission);

export const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

export interface Actor {
  /** Who acted, for the audit log: `token:<name>` or `webhook:<receiver>` or `system`. */
  name: string;
  role: Role;
  tokenId?: string;
  /** An ingest token scoped to these models (ingest writes elsewhere are 403); absent: any. */
  models?: string[];
  /** A token held by Grafana's proxy: its X-Grafana-User header names who acted (http/auth.ts). */
  forwardsUsers?: boolean;
}

export const systemActor: Actor = { name: 'system', role: 'admin' };

/** Whether the actor may write records of this model (ingest tokens may be scoped). */
export const mayWriteModel = (actor: Actor, model: string): boolean => !actor.models || actor.models.includes(model);

/** The name an audit entry or action record shows for whoever acted. */
export const actorName = (actor: Actor | string): string => (typeof actor === 'string' ? actor : actor.name);
