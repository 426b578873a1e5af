import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TokenService } from './tokens.ts';

/**
 * Values shipped as examples somewhere (the old compose file, docs, tutorials): a service
 * started with one of them is open to anyone who read the same page, so it refuses to start.
 */
const placeholderPattern = /change[-_ ]?me|changeit|placeholder|example|your[-_]?(token|secret)|^(admin|secret|password|token)[-_]?\d*$/i;

/** Throws when a secret from the environment is a known placeholder (docs/security.md). */
export function refusePlaceholder(variable: string, value: string | undefined): void {
  if (value === undefined) return;
  if (placeholderPattern.test(value) || new Set(value).size <= 2) {
    throw new Error(
      `${variable} is a placeholder value; set it to a random secret, e.g. $(openssl rand -hex 24) (see docs/security.md)`,
    );
  }
}

/**
 * First start: make sure an admin can get in. With MODELWATCH_ADMIN_TOKEN set, that token
 * is registered and any earlier MODELWATCH_ADMIN_TOKEN is revoked (rotation); otherwise, when
 * no token exists yet, one is created and written to `<data dir>/admin-token` (mode 0600,
 * never through a symbolic link, never over a file it did not just create). The path is
 * logged, never the token.
 */
export async function bootstrapAdminToken(
  tokens: TokenService,
  options: { dataDir: string; adminToken: string | undefined; webhookSecret?: string | undefined },
  logger: Logger,
): Promise<void> {
  refusePlaceholder('MODELWATCH_ADMIN_TOKEN', options.adminToken);
  refusePlaceholder('MODELWATCH_WEBHOOK_SECRET', options.webhookSecret);
  if (options.adminToken) {
    const revoked = await tokens.ensureEnvAdmin(options.adminToken);
    if (revoked > 0) logger.warn({ revoked }, 'MODELWATCH_ADMIN_TOKEN changed: revoked the previous one');
    return;
  }
  if ((await tokens.count()) > 0) return;
  const token = `mw_${randomBytes(32).toString('base64url')}`;
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(options.dataDir, 'admin-token');
  writeSecretFile(file, `${token}\n`);
  // The file first: a token nobody can read would lock the admin out.
  await tokens.create('bootstrap admin', 'admin', { secret: token });
  logger.info({ file }, 'created an admin token; read it from this file');
}

/**
 * Creates `file` (mode 0600) with O_EXCL and O_NOFOLLOW: a symbolic link planted there is
 * refused, not followed. A regular file left by an earlier store (no tokens any more) is replaced.
 */
export function writeSecretFile(file: string, content: string): void {
  const existing = fs.lstatSync(file, { throwIfNoEntry: false });
  if (existing && !existing.isFile()) {
    throw new Error(`${file} exists and is not a regular file (a symbolic link?); remove it and start again`);
  }
  if (existing) fs.unlinkSync(file);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}
