import type { ColumnDefinitionBuilder } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

/** An integer primary key the database numbers itself, on either dialect. */
export const autoIncrement =
  (dialect: SqlDialect) =>
  (column: ColumnDefinitionBuilder): ColumnDefinitionBuilder =>
    dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedByDefaultAsIdentity();
