import type { IncomingHttpHeaders } from 'node:http';
import type { Actor, Permission } from '../auth/roles.ts';
import { mayWriteModel, roleAllows } from '../auth/roles.ts';
import type { TokenService } from '../auth/tokens.ts';
import { DomainError } from '../core/errors.ts';

const bearerPattern = /^Bearer\s+(\S+)\s*$/i;

/** Resolves the caller from the request's headers and checks the permission (and a scoped token's model, from the path's params); throws 401/403 with what to do. */
export async function authorize(headers: IncomingHttpHeaders, params: Record<string, string | string[] | undefined>, tokens: Pick<TokenService, 'authenticate'>, permission: Permission): Promise<Actor> {
  const header = headers.authorization;
  if (!header) {
    throw new DomainError('unauthenticated', 'missing Authorization header; send "Authorization: Bearer <token>"');
  }
  const match = bearerPattern.exec(header);
  if (!match?.[1]) {
    throw new DomainError('unauthenticated', 'Authorization header must be "Bearer <token>"');
  }
  const actor = await tokens.authenticate(match[1]);
  if (!actor) throw new DomainError('unauthenticated', 'token not recognised or revoked');
  if (!roleAllows(actor.role, permission)) {
    throw new DomainError(
      'permission_denied',
      `this operation needs the "${permission}" permission; a ${actor.role} token does not have it`,
    );
  }
  // A scoped ingest token writes only to its models; every ingest route names the model in its path.
  const model = params.model;
  if (actor.models && (typeof model !== 'string' || !mayWriteModel(actor, model))) {
    throw new DomainError(
      'permission_denied',
      `this token may write only to the models ${actor.models.map((m) => `"${m}"`).join(', ')}, not "${String(model ?? '')}"`,
    );
  }
  const grafanaUser = headers['x-grafana-user'];
  return onBehalfOf(actor, typeof grafanaUser === 'string' ? grafanaUser : undefined);
}

/**
 * Grafana's proxy can forward the signed-in user (`send_user_header`), so the audit log says
 * which person pressed Promote, not only which token Grafana holds. Anyone can send the
 * header, so it is read only for tokens made for Grafana (`grafana: true`), where Grafana's
 * proxy sets it; it names who acted through that token and grants nothing.
 */
export function onBehalfOf(actor: Actor, grafanaUser: string | undefined): Actor {
  if (!actor.forwardsUsers) return actor;
  const login = grafanaUser?.replace(/[^\p{L}\p{N}@._+-]/gu, '').slice(0, 100);
  return login ? { ...actor, name: `${actor.name} (grafana:${login})` } : actor;
}
