import { invalid } from '../../core/errors.ts';
import { MAX_BINS } from './binning.ts';

/** Hyperparameters of the built-in GBDT; defaults follow scikit-learn's HistGradientBoostingClassifier. */
export interface GbdtParams {
  maxIterations: number;
  learningRate: number;
  maxLeaves: number;
  /** Edges from root to deepest leaf; null for no limit (growth is bounded by maxLeaves). */
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  /** Bins for non-missing values, 2..255 (missing values get a bin of their own). */
  maxBins: number;
  /** 'auto': on when the dataset has more than 10 000 rows (scikit-learn's rule). */
  earlyStopping: boolean | 'auto';
  /** Share of the training rows held out to decide early stopping. */
  validationFraction: number;
  /** Stop when the validation loss has not improved by `tolerance` for this many iterations. */
  nIterNoChange: number;
  tolerance: number;
  /** Rows sampled to find quantile bin edges. */
  binSubsample: number;
  seed: number;
}

export const defaultGbdtParams: GbdtParams = {
  maxIterations: 100,
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: MAX_BINS,
  earlyStopping: 'auto',
  validationFraction: 0.1,
  nIterNoChange: 10,
  tolerance: 1e-7,
  binSubsample: 200_000,
  seed: 0,
};

const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
const isNum = (x: unknown, min: number, max = Infinity): boolean =>
  typeof x === 'number' && Number.isFinite(x) && x >= min && x <= max;

/** Defaults filled in and every value checked; throws `invalid_argument` naming the field. */
export function resolveGbdtParams(input: Partial<GbdtParams> = {}): GbdtParams {
  for (const key of Object.keys(input)) {
    if (!(key in defaultGbdtParams)) throw invalid(`params.${key}: unknown parameter for gbdt`);
  }
  const p: GbdtParams = { ...defaultGbdtParams, ...stripUndefined(input) };
  const fail = (field: string, rule: string): never => {
    throw invalid(`params.${field}: ${rule}`);
  };
  if (!isInt(p.maxIterations, 1, 100_000)) fail('maxIterations', 'an integer in [1, 100000]');
  if (!isNum(p.learningRate, 1e-6, 10)) fail('learningRate', 'a number in [1e-6, 10]');
  if (!isInt(p.maxLeaves, 2, 65_536)) fail('maxLeaves', 'an integer >= 2');
  if (p.maxDepth !== null && !isInt(p.maxDepth, 1, 64)) fail('maxDepth', 'null or an integer in [1, 64]');
  if (!isInt(p.minSamplesLeaf, 1)) fail('minSamplesLeaf', 'an integer >= 1');
  if (!isNum(p.l2Regularization, 0)) fail('l2Regularization', 'a number >= 0');
  if (!isInt(p.maxBins, 2, MAX_BINS)) fail('maxBins', `an integer in [2, ${MAX_BINS}]`);
  if (p.earlyStopping !== 'auto' && typeof p.earlyStopping !== 'boolean') fail('earlyStopping', "true, false or 'auto'");
  if (!isNum(p.validationFraction, 0, 0.9) || p.validationFraction === 0) fail('validationFraction', 'a number in (0, 0.9]');
  if (!isInt(p.nIterNoChange, 1)) fail('nIterNoChange', 'an integer >= 1');
  if (!isNum(p.tolerance, 0)) fail('tolerance', 'a number >= 0');
  if (!isInt(p.binSubsample, 1000)) fail('binSubsample', 'an integer >= 1000');
  if (!isInt(p.seed, 0, 2 ** 32 - 1)) fail('seed', 'an integer in [0, 2^32)');
  return p;
}

export function stripUndefined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
