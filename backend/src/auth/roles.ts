/**
 * Roles per docs/api.md. A permission is what a route needs; each role grants a set of them.
 * `ingest` tokens write records (and get predictions) but read nothing else.
 */
export const roles = ['viewer', 'ingest', 'editor', 'admin'] as const;
export type Role = (typeof roles)[number];

export const permissions = ['read', 'ingest', 'edit', 'admin'] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  ingest: ['ingest'],
  editor: ['read', 'ingest', 'edit'],
  admin: ['read', 'ingest', 'edit', 'admin'],
};

export const roleAllows = (role: Role, permission: Permission): boolean => grants[role].includes(permission);

export const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

export interface Actor {
  /** Who acted, for the audit log: `token:<name>` or `webhook:<receiver>` or `system`. */
  name: string;
  role: Role;
  tokenId?: string;
}

export const systemActor: Actor = { name: 'system', role: 'admin' };

/** The name an audit entry or action record shows for whoever acted. */
export const actorName = (actor: Actor | string): string => (typeof actor === 'string' ? actor : actor.name);
