export type { RateLawFit } from './fit.js';
export { fitPowerLaw, type PowerLawFit } from './power-law.js';
export { fitInverseLog, type InverseLogFit } from './inverse-log.js';
export { compareRateLaws, type RateLawComparison } from './compare.js';
export type { RateFitOptions } from './bootstrap.js';
export type { RateSample } from './samples.js';
export { seededRandom, deriveSeed, normalFrom } from './rng.js';
