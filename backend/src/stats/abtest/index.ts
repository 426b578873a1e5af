/** A/B testing statistics: pure functions over per-arm summary statistics. */
export { abtest, abtestUnits, compareMoments, resolveOptions, type AbTestInput, type AbTestResult, type AbTestStatus } from './abtest.ts';
export { srm, SRM_THRESHOLD, type SrmInput, type SrmResult } from './srm.ts';
export { gaussianPosterior, type Direction, type GaussianPosteriorSummary } from './bayesian.ts';
export { absoluteEffect, relativeEffect, welchDegreesOfFreedom, type Difference, type EffectEstimate } from './effect.ts';
export { alwaysValidPValue, confidenceSequenceHalfWidth, sequentialRho, DEFAULT_SEQUENTIAL_TUNING } from './sequential.ts';
export { evaluateGuardrail, type GuardrailInput, type GuardrailStatus, type GuardrailVerdict } from './guardrails.ts';
export { analyzeMetrics, correctForMultipleMetrics, type CorrectedResult, type NamedResult } from './multiple-metrics.ts';
export { minimumDetectableEffect, timeToDecision, type MdeResult, type TimeToDecisionOptions, type TimeToDecisionResult } from './power.ts';
export { armMoments, validateArm, type ArmMoments, type ArmSummary, type MetricKind } from './summary.ts';
export { ratioMoments, emptyUnitRatioSums, type UnitRatioSums } from './ratio.ts';
