/** What every rate-law fit reports besides its parameters. */

/**
 * The statistics of a rate law fitted by least squares in ln y (`fitPowerLaw`,
 * `fitInverseLog`), on one scale so that two laws' fits compare directly.
 */
export interface RateLawFit {
  /** Percentile bootstrap interval of the law's free parameter at `level` ([NaN, NaN] without bootstrap). */
  ci: [number, number];
  /**
   * 1 - SS_res / SS_tot of ln y about its mean (for a law without a free slope, such as the
   * inverse-log law, it can be negative).
   */
  r2: number;
  /** Residuals ln y_i minus the fitted ln y at x_i, one per x, in input order. */
  residuals: number[];
  /** Residual standard error in ln y, sqrt(SS_res / (m - p)) with p the law's parameters; NaN when m <= p. */
  residualSE: number;
  /** Number of x values fitted. */
  points: number;
  /** Bootstrap resamples that entered the interval (case resamples with a single distinct x are redrawn). */
  bootstrap: number;
}
