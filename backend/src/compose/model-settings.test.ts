import assert from 'node:assert/strict';
import test from 'node:test';
import { DomainError } from '../core/errors.ts';
import { validateModelSettings } from './model-settings.ts';

const refused = (settings: Record<string, unknown>, field: string) =>
  assert.throws(
    () => validateModelSettings(settings),
    (e: unknown) => e instanceof DomainError && e.code === 'invalid_argument' && e.message.includes(field),
  );

test('quality thresholds are checked when settings are saved, naming the field', () => {
  validateModelSettings({
    quality: { threshold: 0.3, versions: { v2: { threshold: 0.7 } } },
  });
  refused({ quality: { threshold: 2 } }, 'settings.quality.threshold');
  refused({ quality: 'high' }, 'settings.quality');
  refused({ quality: { versions: { v2: { threshold: -1 } } } }, 'settings.quality.versions.v2.threshold');
});
