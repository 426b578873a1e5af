import { config } from '@grafana/runtime';
import type { ActionType } from '@modelwatch/plugin-api';

export type Role = 'Viewer' | 'Editor' | 'Admin';

/**
 * The signed-in user's role in this org. Grafana's plugin proxy checks a route's `reqRole` against
 * the org role only, so a server admin who is an Editor in this org is an Editor here too.
 */
export function currentRole(): Role {
  const role = config.bootData?.user?.orgRole;
  return role === 'Admin' || role === 'Editor' ? role : 'Viewer';
}

const RANK: Record<Role, number> = { Viewer: 0, Editor: 1, Admin: 2 };

export function hasRole(needed: Role, role: Role = currentRole()): boolean {
  return RANK[role] >= RANK[needed];
}

/** The Grafana role each action needs; it matches the plugin proxy routes (edit = Editor, admin = Admin). */
export const ACTION_ROLE: Record<ActionType, Role> = {
  retrain: 'Editor',
  promote: 'Admin',
  rollback: 'Admin',
};

export function canRun(action: ActionType, role: Role = currentRole()): boolean {
  return hasRole(ACTION_ROLE[action], role);
}
