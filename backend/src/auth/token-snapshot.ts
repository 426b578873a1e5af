import type { Actor } from './roles.ts';
import { hashToken, type TokenGrant } from './tokens.ts';

/**
 * The valid tokens as the serving thread knows them: a copy the main thread replaces after
 * every create and revoke (and periodically, for other replicas' changes). Authenticating is a
 * hash and a Map lookup, never a store query, so the serving thread needs no database.
 */
export class TokenSnapshot {
  private byHash = new Map<string, Actor>();

  replace(grants: readonly TokenGrant[]): void {
    this.byHash = new Map(grants.map((g) => [g.hash, g.actor]));
  }

  async authenticate(token: string): Promise<Actor | null> {
    return this.byHash.get(hashToken(token)) ?? null;
  }
}
