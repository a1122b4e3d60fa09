/**
 * Verdicts on rate claims, computed from the fits by stated rules (never written by hand), so a
 * report can say whether its measurements support a paper's claim.
 */
import type { LossRate } from './loss-rates.js';

/** How far a fitted exponent may sit from the claimed one and still count as "near" it (absent a covering interval). */
export const EXPONENT_TOLERANCE = 0.15;

/** A rate decays "much slower than the parametric n^-1/2" when its exponent's whole interval lies above this. */
export const SLOW_EXPONENT = -0.25;

/**
 * A claim about how a loss decays with n:
 * - 'power': like n^exponent (e.g. -1/2 for parametric rates, -1/4 for multi-atom cells);
 * - 'slower-than-polynomial': slower than any power (as slow as 1 / ln n).
 */
export type RateClaim = PowerRateClaim | SlowRateClaim;

/** The claim "the loss decays like n^exponent". */
export interface PowerRateClaim {
  /** The claim's kind. */
  kind: 'power';
  /** The claimed exponent (negative). */
  exponent: number;
  /** How far the estimate may be from it (default `EXPONENT_TOLERANCE`). */
  tolerance?: number;
}

/** The claim "the loss decays slower than any power of n". */
export interface SlowRateClaim {
  /** The claim's kind. */
  kind: 'slower-than-polynomial';
  /** The exponent the whole interval must lie above, absent a better c / ln n fit (default `SLOW_EXPONENT`). */
  threshold?: number;
}

/** A verdict and the rule that produced it. */
export interface RateVerdict {
  /** true: supported; false: not supported; null: the data cannot tell (no fit, no interval). */
  supported: boolean | null;
  /** The rule, in words. */
  rule: string;
  /** The numbers the rule was applied to. */
  detail: string;
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/**
 * Applies a claim's rule to a fitted rate:
 * - 'power' (exponent a, tolerance t, default 0.15): supported when the power law fits at least
 *   as well as c / ln n (residual SE in ln loss) and the bootstrap interval of the exponent
 *   contains a or the estimate is within t of a. The default t is about the gap between the
 *   group's own exact-specified softmax slope (-0.64) and its theory (-0.5).
 * - 'slower-than-polynomial' (threshold s, default -1/4): supported when c / ln n fits better than
 *   any power law, or the whole interval of the exponent lies above s (far slower than the
 *   parametric -1/2). A finite range of n cannot prove "slower than every polynomial"; this rule
 *   asks for the observable signs of it.
 */
export function judgeRate(rate: Pick<LossRate, 'power' | 'inverseLog' | 'comparison'>, claim: RateClaim): RateVerdict {
  const p = rate.power;
  if (claim.kind === 'power') {
    const t = claim.tolerance ?? EXPONENT_TOLERANCE;
    const rule = `power law preferred over c/ln n, and the exponent's interval contains ${f(claim.exponent)} or the estimate is within ${t} of it`;
    if (!p || !Number.isFinite(p.exponent)) return { supported: null, rule, detail: 'no power-law fit (fewer than 2 sample sizes with values)' };
    const preferred = rate.comparison ? rate.comparison.preferred === 'power-law' : true;
    const covers = p.ci[0] <= claim.exponent && claim.exponent <= p.ci[1];
    const near = Math.abs(p.exponent - claim.exponent) <= t;
    const detail = `exponent ${f(p.exponent)} [${f(p.ci[0])}, ${f(p.ci[1])}]` +
      (rate.comparison ? `, residual SE ${f(rate.comparison.powerLawSE)} (power) vs ${f(rate.comparison.inverseLogSE)} (c/ln n)` : '');
    return { supported: preferred && (covers || near), rule, detail };
  }
  const s = claim.threshold ?? SLOW_EXPONENT;
  const rule = `c/ln n fits better than a power law, or the exponent's whole interval lies above ${f(s)}`;
  if (!p || !Number.isFinite(p.exponent)) return { supported: null, rule, detail: 'no power-law fit (fewer than 2 sample sizes with values)' };
  if (!Number.isFinite(p.ci[0])) return { supported: null, rule, detail: `exponent ${f(p.exponent)} without a bootstrap interval` };
  const logWins = rate.comparison?.preferred === 'inverse-log';
  const detail = `exponent ${f(p.exponent)} [${f(p.ci[0])}, ${f(p.ci[1])}]` +
    (rate.comparison ? `, residual SE ${f(rate.comparison.powerLawSE)} (power) vs ${f(rate.comparison.inverseLogSE)} (c/ln n)` : '');
  return { supported: logWins || p.ci[0] > s, rule, detail };
}
