// Real backend replies (@modelwatch/plugin-api/testing: recorded) through the app's components and helpers.
import React from 'react';
import { render, screen } from '@testing-library/react';
import { recorded } from '@modelwatch/plugin-api/testing';
import { ExperimentResults } from './components/ExperimentResults';
import { HealthBadge } from './components/HealthBadge';
import { editable } from './components/PolicyEditor';
import { withAliases } from './components/VersionsTable/VersionsTable';
import { featureDrift, kpiSeriesFrames, pickVersion } from './utils/frames';

const { aliases, drift, health, kpis, policies, results, versions } = recorded;

describe('components with real backend replies', () => {
  it('experiment results: arms, lift interval, SRM and recommendation', () => {
    render(<ExperimentResults results={results} />);
    expect(screen.getByText(/^Recommendation: /)).toBeInTheDocument();
    expect(screen.getByText(/Sample ratio check passed|Sample ratio mismatch/)).toBeInTheDocument();
    expect(screen.getAllByRole('img', { name: /^interval / }).length).toBeGreaterThan(0);
  });

  it('drift of the champion, per feature', () => {
    const version = pickVersion(drift, aliases.champion)!;
    const rows = featureDrift(version.windows);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.times.length === r.scores.length && Number.isFinite(r.score))).toBe(true);
  });

  it('versions with aliases, health, KPI frames and the editable policy document', () => {
    const rows = withAliases(versions.versions, aliases);
    expect(rows.find((r) => r.version === aliases.champion)!.aliases).toEqual(['champion']);
    render(<HealthBadge health={health} />);
    expect(screen.getByText(/^(Healthy|Degraded|Failing) · \d+%$/)).toBeInTheDocument();
    expect(kpiSeriesFrames(kpis.series).length).toBe(kpis.series.length);
    expect(Object.keys(editable(policies))).toEqual(['dryRun', 'maxActionsPerHour', 'maxActionsPerModelPerHour', 'policies']);
  });
});
