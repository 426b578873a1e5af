/** The dashboards this package generates, and how each becomes provisioning JSON. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DRIFT_UID, driftDashboard } from './drift.ts';
import { EXPERIMENTS_UID, experimentsDashboard } from './experiments.ts';
import { MODEL_OVERVIEW_UID, modelOverviewDashboard } from './model-overview.ts';

export interface DashboardDefinition {
  uid: string;
  /** File name under app-plugin/src/dashboards/. */
  file: string;
  /** Template variables the dashboard must offer. */
  variables: string[];
  build: () => Dashboard;
}

export const DASHBOARDS: readonly DashboardDefinition[] = [
  { uid: MODEL_OVERVIEW_UID, file: 'model-overview.json', variables: ['model', 'version'], build: modelOverviewDashboard },
  { uid: DRIFT_UID, file: 'drift.json', variables: ['model', 'version', 'feature'], build: driftDashboard },
  { uid: EXPERIMENTS_UID, file: 'experiments.json', variables: ['experiment', 'metric'], build: experimentsDashboard },
];

/**
 * Gives panels stable ids in layout order (the SDK leaves them unset; Grafana would assign them
 * on load, and links, library panels and `viewPanel=` URLs need them fixed).
 */
function withPanelIds(dashboard: Dashboard): Dashboard {
  let id = 0;
  const panels = (dashboard.panels ?? []).map((panel) => ({ ...panel, id: ++id }));
  return { ...dashboard, panels };
}

/** The JSON written to app-plugin/src/dashboards/: stable key order as built, 2-space indent. */
export function renderDashboard(definition: DashboardDefinition): string {
  return `${JSON.stringify(withPanelIds(definition.build()), null, 2)}\n`;
}
