export { monomialFactor, dampedSineFactor, kinkFactor, gaussianFactor, type Factor1D, type SupMethod } from './factors.js';
export {
  separableTarget, polynomialTarget, monomialTarget, smoothTarget, gaussianBumpTarget, limitedSmoothnessTarget, makeTarget, multiIndices,
  type SobolevTarget, type SobolevNorm, type TargetFamily, type TargetSpec, type PolynomialSpec, type MonomialSpec, type SmoothSpec, type GaussianSpec, type LimitedSpec, type SeparableTerm, type SeparableTargetOptions, type SmoothTargetOptions,
  type GaussianTargetOptions,
} from './targets.js';
export { haltonPoints, gridPoints, gridSide } from './points.js';
export { evaluateModel, seededUniform, type ModelFn, type EvaluateOptions, type ModelEvaluation } from './evaluate.js';
export { errorNorms, type ErrorNormOptions, type ErrorNorms, type ErrorNormPoints } from './norms.js';
export {
  reluConstruction, relu2Construction, polynomialConstruction, productConstruction, toPolyReLU, exactnessError,
  type ConstructionOptions, type ExactConstruction, type ExactnessOptions, type ExactnessResult,
} from './exactness.js';
export { mlpFamily, kanFamily, type ModelFamily, type ModelFactory, type FamilyContext, type MLPFamilyOptions, type KANFamilyOptions } from './families.js';
export { fitTarget, type FitOptions, type FitResult } from './train.js';
export {
  sobolevCells, cellSeed, runSobolevCell, runSobolevSweep,
  type SobolevSweepConfig, type SobolevCell, type SobolevCellResult, type SobolevResultStore, type SweepRunOptions,
} from './sweep.js';
export {
  fitSobolevRates, compareRates, logPenaltyVerdicts,
  type ErrorMetric, type SobolevRate, type SobolevRateOptions, type RateComparison, type LogPenaltyVerdict,
} from './rates.js';
export { effectiveRank, effectiveRankOf } from '@nonlinear/activations';
