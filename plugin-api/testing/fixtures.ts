// Replies recorded from a real backend (see fixtures/README.md), typed with the generated API types.
// JSON imports widen enums to string and tuples to arrays, hence the casts; the contract tests
// check the values at runtime.
import type {
  Aliases,
  AuditList,
  DriftResponse,
  ExperimentList,
  ExperimentResults,
  KpiResponse,
  ModelHealth,
  PolicyDocument,
  VersionList,
} from '../src/types';
import aliases from '../fixtures/aliases.json';
import audit from '../fixtures/audit.json';
import drift from '../fixtures/drift.json';
import experiments from '../fixtures/experiments.json';
import health from '../fixtures/health.json';
import kpis from '../fixtures/kpis.json';
import policies from '../fixtures/policies.json';
import results from '../fixtures/results.json';
import versions from '../fixtures/versions.json';

export const recorded = {
  aliases: aliases as Aliases,
  audit: audit as unknown as AuditList,
  drift: drift as unknown as DriftResponse,
  experiments: experiments as unknown as ExperimentList,
  health: health as unknown as ModelHealth,
  kpis: kpis as unknown as KpiResponse,
  policies: policies as unknown as PolicyDocument,
  results: results as unknown as ExperimentResults,
  versions: versions as unknown as VersionList,
};
