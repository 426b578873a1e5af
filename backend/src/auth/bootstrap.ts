import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { TokenService } from './tokens.ts';

/**
 * First start: make sure an admin can get in. With MODELWATCH_ADMIN_TOKEN set, that token
 * is registered; otherwise, when no token exists yet, one is created and written to
 * `<data dir>/admin-token` (mode 0600). The path is logged, never the token.
 */
export async function bootstrapAdminToken(
  tokens: TokenService,
  options: { dataDir: string; adminToken: string | undefined },
  logger: Logger,
): Promise<void> {
  if (options.adminToken) {
    await tokens.ensure('admin (MODELWATCH_ADMIN_TOKEN)', 'admin', options.adminToken);
    return;
  }
  if ((await tokens.count()) > 0) return;
  const { token } = await tokens.create('bootstrap admin', 'admin');
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, 'admin-token');
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  logger.info({ file }, 'created an admin token; read it from this file');
}
