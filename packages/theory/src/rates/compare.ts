/** Which rate law the data support: a power law or c / ln x. */
import type { InverseLogFit } from './inverse-log.js';
import type { PowerLawFit } from './power-law.js';

/** The outcome of `compareRateLaws`. */
export interface RateLawComparison {
  /** The law with the smaller residual standard error in ln y. */
  preferred: 'power-law' | 'inverse-log';
  /** Residual SE of the power law (ln y, 2 parameters). */
  powerLawSE: number;
  /** Residual SE of c / ln x (ln y, 1 parameter). */
  inverseLogSE: number;
}

/**
 * Compares the two laws by residual standard error in ln y, each with its own degrees of freedom
 * (m - 2 for the power law, m - 1 for c / ln x), so the power law's extra free slope is charged
 * for. R^2 is not used for the choice: the one-parameter law has no slope to absorb the trend,
 * and its R^2 about the mean of ln y can be negative.
 */
export function compareRateLaws(power: PowerLawFit, inverseLog: InverseLogFit): RateLawComparison {
  const preferred = inverseLog.residualSE < power.residualSE ? 'inverse-log' : 'power-law';
  return { preferred, powerLawSE: power.residualSE, inverseLogSE: inverseLog.residualSE };
}
