import { DomainError, invalid } from '../core/errors.ts';
import { formatDays } from '../core/duration.ts';
import { retrainSettingsOf } from '../jobs/retrain-settings.ts';
import { resolveHealthConfig, type HealthConfigInput } from '../monitor/health.ts';
import { thresholdsOf } from '../monitor/quality-settings.ts';

/**
 * Checks a model's settings before they are stored, so a typo is a 400 now rather than a
 * failing retrain or health check later. Each area owns its part's rules:
 * `retrain` (jobs), `health` and `quality` (monitor); other keys (`drift`, `metrics`, `deployment`) are
 * checked where they are used. The retrain window must fit in raw-record retention
 * (MODELWATCH_RETENTION_RAW, monitor/retention.ts).
 */
export function modelSettingsValidator(retention: { rawMs: number }): (settings: Record<string, unknown>) => void {
  return (settings) => {
    validateModelSettings(settings);
    // A retrain reads raw rows of its window: they must still be there (the default window is checked at start, core/config.ts).
    const ms = retrainSettingsOf(settings).window;
    if (ms > retention.rawMs) {
      throw invalid(
        `settings.retrain.window: ${formatDays(ms)} is longer than raw records are kept (MODELWATCH_RETENTION_RAW, ${formatDays(retention.rawMs)}); ` +
          'a retrain would miss the deleted part: shorten the window or raise MODELWATCH_RETENTION_RAW',
      );
    }
  };
}

/** The rules without a retention bound (tests and tools that keep every raw row). */
export function validateModelSettings(settings: Record<string, unknown>): void {
  try {
    retrainSettingsOf(settings);
    thresholdsOf(settings);
    if (settings.health !== undefined) resolveHealthConfig(settings.health as HealthConfigInput);
  } catch (error) {
    if (error instanceof DomainError) throw invalid(error.message.startsWith('settings.') ? error.message : `settings.health: ${error.message}`);
    throw error;
  }
}

/** A model's retrain window (its default when unset); 0 when its stored settings no longer parse (retention then keeps the configured age). */
export function retrainWindowMs(settings: Record<string, unknown>): number {
  try {
    return retrainSettingsOf(settings).window;
  } catch {
    return 0;
  }
}
