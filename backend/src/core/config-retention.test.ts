import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { modelSettingsValidator } from '../compose/model-settings.ts';

const DAY = 86_400_000;

test('retention settings: defaults, off, and each bad value named with what it must cover', () => {
  assert.deepEqual(loadConfig({}).monitor.retention, { rawMs: 90 * DAY, minuteRollupsMs: 14 * DAY, intervalMs: 300_000 });
  const off = loadConfig({ MODELWATCH_RETENTION_RAW: 'off', MODELWATCH_RETENTION_MINUTE_ROLLUPS: 'off', MODELWATCH_RETENTION_INTERVAL: '1m' }).monitor.retention;
  assert.deepEqual(off, { rawMs: Infinity, minuteRollupsMs: Infinity, intervalMs: 60_000 });
  assert.throws(() => loadConfig({ MODELWATCH_RETENTION_RAW: 'soon' }), (e: ConfigError) => /MODELWATCH_RETENTION_RAW="soon": expected a duration like 90d/.test(e.message));
  assert.throws(
    () => loadConfig({ MODELWATCH_RETENTION_RAW: '20d' }),
    (e: ConfigError) => e.problems.length === 1 && /^MODELWATCH_RETENTION_RAW \(20d\): must be at least MODELWATCH_INGEST_MAX_AGE \(30d\)/.test(e.problems[0]!),
  );
  assert.throws(
    () => loadConfig({ MODELWATCH_RETENTION_RAW: '3d', MODELWATCH_INGEST_MAX_AGE: '1d' }),
    (e: ConfigError) => /MODELWATCH_RETENTION_RAW \(3d\): must be at least the default retrain window \(settings\.retrain\.window, 7d\)/.test(e.message),
  );
  assert.throws(() => loadConfig({ MODELWATCH_RETENTION_MINUTE_ROLLUPS: '30m' }), /MODELWATCH_RETENTION_MINUTE_ROLLUPS: must be at least 2h/);
});

test('a model’s retrain window longer than raw retention is refused, naming both', () => {
  const validate = modelSettingsValidator({ rawMs: 30 * DAY });
  validate({ retrain: { window: '30d' } });
  validate({});
  assert.throws(
    () => validate({ retrain: { window: '45d' } }),
    /settings\.retrain\.window: 45d is longer than raw records are kept \(MODELWATCH_RETENTION_RAW, 30d\)/,
  );
  modelSettingsValidator({ rawMs: Infinity })({ retrain: { window: '365d' } });
});
