export { voronoiCells, voronoiD1, voronoiD2, parameterErrors, solvability, type VoronoiOptions, type VoronoiCells, type AtomDifferences, type ParameterErrors, type ParameterGroupErrors } from './voronoi.js';
export { densityDistances, hellingerDistance, totalVariationDistance, type DensityDistanceOptions, type DensityDistances } from './density-distance.js';
export { paramsToJson, paramsFromJson, type GaussianMoEParamsJson } from './params-json.js';
export type { SweepRecord, CellLosses, CellStatus } from './record.js';
export {
  runSweep, runCell, sweepCells, cellKey, cellLosses, checkSweepConfig, emSweepHooks, fitResultToCell,
  type SweepConfig, type SweepSetting, type SweepCell, type SweepData, type SweepHooks, type CellFit, type RunSweepOptions, type SweepRun,
} from './sweep.js';
export { lossRate, lossOf, LOSS_NAMES, type LossName, type LossRate, type LossAtSize, type LossRateOptions } from './loss-rates.js';
export { judgeRate, EXPONENT_TOLERANCE, SLOW_EXPONENT, type RateClaim, type PowerRateClaim, type SlowRateClaim, type RateVerdict } from './claims.js';
