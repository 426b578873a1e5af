import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/database.ts';
import { invalid, notFound } from '../core/errors.ts';
import { isRole, roles, type Actor, type Role } from './roles.ts';

const TOKEN_PREFIX = 'mw_';

/** Name of the token registered from MODELWATCH_ADMIN_TOKEN (older stores know it by this name only). */
export const ENV_ADMIN_TOKEN_NAME = 'admin (MODELWATCH_ADMIN_TOKEN)';

/**
 * Tokens are 32 random bytes; only their SHA-256 is stored. A fast hash is the right tool
 * here (unlike passwords): the secret has 256 bits of entropy, so there is nothing to brute force.
 */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Constant-time equality of two secrets of any length (both hashed first, so lengths leak nothing). */
export const secretsEqual = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * Where a token came from: `env` for MODELWATCH_ADMIN_TOKEN; `grafana` for a token that
 * Grafana's proxy holds, the only kind whose forwarded X-Grafana-User names the audit actor.
 */
export type TokenOrigin = 'env' | 'grafana';

export interface TokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
  /** Ingest tokens: the models it may write to; null: any. */
  models: string[] | null;
  /** True for a token made for Grafana's proxy (its X-Grafana-User is trusted). */
  grafana: boolean;
}

export interface CreateTokenOptions {
  secret?: string | undefined;
  models?: string[] | undefined;
  origin?: TokenOrigin | undefined;
}

type TokenRow = { id: string; name: string; role: string; created_at: number; revoked_at: number | null; models: string | null; origin: string | null };

const parseModels = (value: string | null): string[] | null => {
  if (value == null) return null;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === 'string') : null;
};

const toInfo = (r: TokenRow): TokenInfo => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  createdAt: new Date(Number(r.created_at)).toISOString(),
  revokedAt: r.revoked_at == null ? null : new Date(Number(r.revoked_at)).toISOString(),
  models: parseModels(r.models),
  grafana: r.origin === 'grafana',
});

/** A valid token as the serving thread checks it: its hash and who it acts as (auth/token-snapshot.ts). */
export interface TokenGrant {
  hash: string;
  actor: Actor;
}

const actorOf = (row: TokenRow & { role: Role }): Actor => {
  const models = parseModels(row.models);
  return {
    name: `token:${row.name}`,
    role: row.role,
    tokenId: row.id,
    ...(models ? { models } : {}),
    ...(row.origin === 'grafana' ? { forwardsUsers: true } : {}),
  };
};

export class TokenService {
  private readonly store: Store;
  private readonly cache = new Map<string, { actor: Actor | null; expires: number }>();
  private readonly listeners: Array<() => void> = [];

  constructor(store: Store) {
    this.store = store;
  }

  /** Called after a token is created or revoked here (the serving thread's copy is replaced). */
  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Every token not revoked, as hash and actor. */
  async grants(): Promise<TokenGrant[]> {
    const rows = await this.store.db.selectFrom('tokens').selectAll().where('revoked_at', 'is', null).execute();
    return rows.filter((row) => isRole(row.role)).map((row) => ({ hash: row.token_hash, actor: actorOf(row as TokenRow & { role: Role }) }));
  }

  async create(name: string, role: string, options: CreateTokenOptions = {}): Promise<{ token: string; info: TokenInfo }> {
    if (!isRole(role)) throw invalid(`role: expected one of ${roles.join(', ')}, got "${role}"`);
    if (!name.trim()) throw invalid('name: must not be empty');
    if (options.models !== undefined && role !== 'ingest') throw invalid(`models: only ingest tokens are scoped to models; this token is ${role}`);
    if (options.models !== undefined && options.models.length === 0) throw invalid('models: list at least one model, or leave it out for any model');
    const token = options.secret ?? TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = randomUUID();
    const createdAt = Date.now();
    const row = {
      id,
      name,
      role,
      token_hash: hashToken(token),
      created_at: createdAt,
      revoked_at: null,
      models: options.models ? JSON.stringify([...new Set(options.models)]) : null,
      origin: options.origin ?? null,
    };
    await this.store.db.insertInto('tokens').values(row).execute();
    this.changed();
    return { token, info: toInfo(row) };
  }

  /**
   * Registers MODELWATCH_ADMIN_TOKEN and revokes every earlier one, so rotating the variable
   * and restarting locks the old secret out. A secret that was revoked stays revoked.
   * Returns how many earlier tokens were revoked.
   */
  async ensureEnvAdmin(secret: string): Promise<number> {
    const hash = hashToken(secret);
    const revoked = await this.store.db
      .updateTable('tokens')
      .set({ revoked_at: Date.now() })
      .where('token_hash', '!=', hash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('origin', '=', 'env'), eb.and([eb('origin', 'is', null), eb('name', '=', ENV_ADMIN_TOKEN_NAME)])]))
      .executeTakeFirst();
    const existing = await this.store.db.selectFrom('tokens').select('id').where('token_hash', '=', hash).executeTakeFirst();
    if (!existing) await this.create(ENV_ADMIN_TOKEN_NAME, 'admin', { secret, origin: 'env' });
    this.cache.clear();
    this.changed();
    return Number(revoked.numUpdatedRows);
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
    return rows.map(toInfo);
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
    this.changed();
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
    let actor: Actor | null = null;
    if (row && isRole(row.role) && secretsEqual(row.token_hash, hash)) actor = actorOf(row as TokenRow & { role: Role });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { actor, expires: now + 5_000 });
    return actor;
  }
}
