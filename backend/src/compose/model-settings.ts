import { DomainError, invalid } from '../core/errors.ts';
import { retrainSettingsOf } from '../jobs/retrain-settings.ts';
import { resolveHealthConfig, type HealthConfigInput } from '../monitor/health.ts';

/**
 * Checks a model's settings before they are stored, so a typo is a 400 now rather than a
 * failing retrain or health check later. Each area owns its part's rules:
 * `retrain` (jobs), `health` (monitor); other keys (`drift`, `metrics`, `deployment`) are
 * checked where they are used.
 */
export function validateModelSettings(settings: Record<string, unknown>): void {
  try {
    retrainSettingsOf(settings);
    if (settings.health !== undefined) resolveHealthConfig(settings.health as HealthConfigInput);
  } catch (error) {
    if (error instanceof DomainError) throw invalid(error.message.startsWith('settings.') ? error.message : `settings.health: ${error.message}`);
    throw error;
  }
}
