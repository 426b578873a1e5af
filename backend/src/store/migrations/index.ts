import type { Migration } from 'kysely/migration';
import { coreMigration } from './0001_core.ts';
import { leasesMigration } from './0002_leases.ts';
import { monitorMigration } from './0100_monitor.ts';
import { outcomeParkingMigration } from './0101_outcome_parking.ts';
import { predictionUnitsMigration } from './0102_prediction_units.ts';
import { unitBucketsMigration } from './0103_unit_buckets.ts';
import { rollupQualityMigration } from './0104_rollup_quality.ts';
import { featureStatsMigration } from './0105_feature_stats.ts';
import { shadowPairsMigration } from './0106_shadow_pairs.ts';
import { registryMigration } from './0200_registry.ts';
import { storedObjectsMigration } from './0201_stored_objects.ts';
import { experimentsMigration } from './0300_experiments.ts';
import { jobsMigration } from './0400_jobs.ts';
import { alertsMigration } from './0500_alerts.ts';
import { alertSenderMigration } from './0501_alert_sender.ts';
import { tokenScopesMigration } from './0600_token_scopes.ts';
import type { SqlDialect } from './dialect-helpers.ts';

/**
 * Every migration, by name. Names sort in the order they run; each area takes its own
 * hundred (0100 monitor, 0200 registry, 0300 experiments, 0400 jobs, 0500 alerts, 0600 auth) so that
 * areas written in parallel never collide.
 */
export function allMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001_core': coreMigration(dialect),
    '0002_leases': leasesMigration(),
    '0100_monitor': monitorMigration(dialect),
    '0101_outcome_parking': outcomeParkingMigration(dialect),
    '0102_prediction_units': predictionUnitsMigration(dialect),
    '0103_unit_buckets': unitBucketsMigration(dialect),
    '0104_rollup_quality': rollupQualityMigration(dialect),
    '0105_feature_stats': featureStatsMigration(dialect),
    '0106_shadow_pairs': shadowPairsMigration(dialect),
    '0200_registry': registryMigration(dialect),
    '0201_stored_objects': storedObjectsMigration(dialect),
    '0300_experiments': experimentsMigration(dialect),
    '0400_jobs': jobsMigration(dialect),
    '0500_alerts': alertsMigration(dialect),
    '0501_alert_sender': alertSenderMigration(dialect),
    '0600_token_scopes': tokenScopesMigration(dialect),
  };
}
