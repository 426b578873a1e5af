import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/database.ts';
import { invalid, notFound } from '../core/errors.ts';
import { isRole, roles, type Actor, type Role } from './roles.ts';

const TOKEN_PREFIX = 'mw_';

/**
 * Tokens are 32 random bytes; only their SHA-256 is stored. A fast hash is the right tool
 * here (unlike passwords): the secret has 256 bits of entropy, so there is nothing to brute force.
 */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export class TokenService {
  private readonly store: Store;
  private readonly cache = new Map<string, { actor: Actor | null; expires: number }>();

  constructor(store: Store) {
    this.store = store;
  }

  async create(name: string, role: string, secret?: string): Promise<{ token: string; info: TokenInfo }> {
    if (!isRole(role)) throw invalid(`role: expected one of ${roles.join(', ')}, got "${role}"`);
    if (!name.trim()) throw invalid('name: must not be empty');
    const token = secret ?? TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    const createdAt = Date.now();
    await this.store.db
      .insertInto('tokens')
      .values({ id, name, role, token_hash: hashToken(token), created_at: createdAt, revoked_at: null })
      .execute();
    return { token, info: { id, name, role, createdAt: new Date(createdAt).toISOString(), revokedAt: null } };
  }

  /** Ensures a token with this exact secret exists (used for MODELWATCH_ADMIN_TOKEN). */
  async ensure(name: string, role: Role, secret: string): Promise<void> {
    const existing = await this.store.db
      .selectFrom('tokens')
      .select('id')
      .where('token_hash', '=', hashToken(secret))
      .executeTakeFirst();
    if (!existing) await this.create(name, role, secret);
  }

  async count(): Promise<number> {
    const row = await this.store.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async list(): Promise<TokenInfo[]> {
    const rows = await this.store.db.selectFrom('tokens').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      role: r.role as Role,
      createdAt: new Date(r.created_at).toISOString(),
      revokedAt: r.revoked_at == null ? null : new Date(r.revoked_at).toISOString(),
    }));
  }

  async revoke(id: string): Promise<void> {
    const result = await this.store.db
      .updateTable('tokens')
      .set({ revoked_at: Date.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound(`token "${id}" not found or already revoked`);
    this.cache.clear();
  }

  /** The actor for a bearer token, or null. Results are cached briefly: auth is on every request. */
  async authenticate(token: string): Promise<Actor | null> {
    const hash = hashToken(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expires > now) return cached.actor;
    const row = await this.store.db
      .selectFrom('tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const actor =
      row && isRole(row.role) && safeEqual(row.token_hash, hash)
        ? { name: `token:${row.name}`, role: row.role, tokenId: row.id }
        : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { actor, expires: now + 5_000 });
    return actor;
  }
}

const safeEqual = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
