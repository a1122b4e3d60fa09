/**
 * Power-law rate fits, y ~ C x^alpha: the slope of ln y on ln x by least squares, with a
 * bootstrap confidence interval. Used for error against parameter count (Sobolev sweeps) and
 * loss against sample size (MLE sweeps).
 */
import { bootstrapDraws, checkRateFitOptions, percentileInterval, type RateFitOptions } from './bootstrap.js';
import { fitLine } from './least-squares.js';
import type { RateLawFit } from './fit.js';
import { checkSamples, type RateSample } from './samples.js';

/**
 * A power law y = exp(intercept) * x^exponent fitted in natural-log space: `ci` is the interval of
 * the exponent, the residuals are ln y_i - (intercept + exponent ln x_i), and residualSE divides
 * by m - 2 (NaN with two points).
 */
export interface PowerLawFit extends RateLawFit {
  /** The slope of ln y on ln x (negative for a decaying error). */
  exponent: number;
  /** ln of the prefactor C. */
  intercept: number;
}

/**
 * Fits y ~ C x^alpha by least squares of ln(mean y) on ln x, with a percentile bootstrap
 * interval of alpha.
 *
 * `y[i]` is one value or the replicate values at `x[i]` (seeds, replications). With replicates
 * the line goes through the log of their means, and the bootstrap resamples replicates within
 * each x (the x design stays fixed); with single values it resamples (x, y) pairs. Every y must
 * be finite and positive: drop failed runs first and report how many there were.
 *
 * @throws ValueError for mismatched lengths, fewer than 2 distinct x, or an x or y that is not
 *   finite and positive. ValueError too for a bad bootstrap count or level.
 */
export function fitPowerLaw(x: readonly number[], y: readonly RateSample[], options: RateFitOptions = {}): PowerLawFit {
  const op = 'fitPowerLaw';
  const o = checkRateFitOptions(op, options);
  const s = checkSamples(op, x, y, 2);
  const line = fitLine(s.x.map(Math.log), s.mean.map(Math.log));
  const draws = o.bootstrap > 0
    ? bootstrapDraws(s, o.bootstrap, o.seed, (bx, by) => fitLine(bx.map(Math.log), by.map(Math.log)).slope)
    : [];
  return {
    exponent: line.slope,
    intercept: line.intercept,
    ci: percentileInterval(draws, o.level),
    r2: line.r2,
    residuals: line.residuals,
    residualSE: line.residualSE,
    points: s.x.length,
    bootstrap: draws.length,
  };
}

