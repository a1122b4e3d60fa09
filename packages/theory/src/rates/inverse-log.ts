/**
 * The logarithmic rate law y ~ c / ln x, the competitor of a power law when a rate may be slower
 * than any polynomial (the temperature gate's parameter estimation, moe.md).
 */
import { bootstrapDraws, checkRateFitOptions, percentileInterval, type RateFitOptions } from './bootstrap.js';
import { fitStats } from './least-squares.js';
import type { RateLawFit } from './fit.js';
import { checkSamples, type RateSample } from './samples.js';

/**
 * A fit of y = c / ln x in natural-log space (one parameter): `ci` is the interval of c, the
 * residuals are ln y_i - (ln c - ln ln x_i), and residualSE divides by m - 1.
 */
export interface InverseLogFit extends RateLawFit {
  /** The constant c. */
  c: number;
}

const lnC = (x: readonly number[], y: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.log(y[i]!) + Math.log(Math.log(x[i]!));
  return s / x.length;
};

/**
 * Fits y = c / ln x by least squares in ln y (ln c = mean of ln y_i + ln ln x_i), the same
 * scale as `fitPowerLaw`, so the two residual standard errors compare directly (see
 * `compareRateLaws`). `y` takes single values or replicate lists as in `fitPowerLaw`, and the
 * bootstrap resamples the same way. Every x must exceed 1.
 *
 * @throws ValueError for mismatched lengths, fewer than 2 distinct x, an x <= 1, a y that is
 *   not finite and positive, or a bad bootstrap count or level.
 */
export function fitInverseLog(x: readonly number[], y: readonly RateSample[], options: RateFitOptions = {}): InverseLogFit {
  const op = 'fitInverseLog';
  const o = checkRateFitOptions(op, options);
  const s = checkSamples(op, x, y, 2, 1);
  const logC = lnC(s.x, s.mean);
  const stats = fitStats(s.mean.map(Math.log), s.x.map((xi) => logC - Math.log(Math.log(xi))), 1);
  const draws = o.bootstrap > 0 ? bootstrapDraws(s, o.bootstrap, o.seed, (bx, by) => Math.exp(lnC(bx, by))) : [];
  return { c: Math.exp(logC), ci: percentileInterval(draws, o.level), ...stats, points: s.x.length, bootstrap: draws.length };
}
