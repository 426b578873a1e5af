import type { Migration } from 'kysely/migration';
import { coreMigration } from './0001_core.ts';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Every migration, by name. Names sort in the order they run; each area takes its own
 * hundred (0100 monitor, 0200 registry, 0300 experiments, 0400 jobs, 0500 alerts) so that
 * areas written in parallel never collide.
 */
export function allMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_core': coreMigration(dialect),
  };
}
