// Real backend replies (src/testing/backend-replies) through the app's components and helpers.
import React from 'react';
import { render, screen } from '@testing-library/react';
import type {
  Aliases,
  DriftResponse,
  ExperimentResults as Results,
  KpiResponse,
  ModelHealth,
  ModelVersion,
  PolicyDocument,
} from './api/types';
import { ExperimentResults } from './components/ExperimentResults';
import { HealthBadge } from './components/HealthBadge';
import { editable } from './components/PolicyEditor';
import { withAliases } from './components/VersionsTable/VersionsTable';
import aliases from './testing/backend-replies/aliases.json';
import drift from './testing/backend-replies/drift.json';
import health from './testing/backend-replies/health.json';
import kpisJson from './testing/backend-replies/kpis.json';
import policies from './testing/backend-replies/policies.json';
import results from './testing/backend-replies/results.json';
import versions from './testing/backend-replies/versions.json';
import { featureDrift, kpiSeriesFrames, pickVersion } from './utils/frames';

// JSON imports type tuples as arrays; the replies are checked at runtime here instead.
const kpis = kpisJson as unknown as KpiResponse;

describe('components with real backend replies', () => {
  it('experiment results: arms, lift interval, SRM and recommendation', () => {
    render(<ExperimentResults results={results as unknown as Results} />);
    expect(screen.getByText(/^Recommendation: /)).toBeInTheDocument();
    expect(screen.getByText(/Sample ratio check passed|Sample ratio mismatch/)).toBeInTheDocument();
    expect(screen.getAllByRole('img', { name: /^interval / }).length).toBeGreaterThan(0);
  });

  it('drift of the champion, per feature', () => {
    const version = pickVersion(drift as unknown as DriftResponse, (aliases as Aliases).champion)!;
    const rows = featureDrift(version.windows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.times.length === r.scores.length && Number.isFinite(r.score))).toBe(true);
  });

  it('versions with aliases, health, KPI frames and the editable policy document', () => {
    const rows = withAliases((versions as { versions: ModelVersion[] }).versions, aliases as Aliases);
    expect(rows.find((r) => r.version === (aliases as Aliases).champion)!.aliases).toEqual(['champion']);
    render(<HealthBadge health={health as unknown as ModelHealth} />);
    expect(screen.getByText(/^(Healthy|Degraded|Failing) · \d+%$/)).toBeInTheDocument();
    expect(kpiSeriesFrames(kpis.series).length).toBe(kpis.series.length);
    expect(Object.keys(editable(policies as PolicyDocument))).toEqual(['dryRun', 'maxActionsPerHour', 'policies']);
  });
});
