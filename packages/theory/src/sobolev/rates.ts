import { ValueError } from '@nonlinear/tensor';
import { fitPowerLaw, seededRandom, type RateFitOptions } from '../rates/index.js';
import { checkRateFitOptions, percentileInterval } from '../rates/bootstrap.js';
import { fitLine } from '../rates/least-squares.js';
import { checkSamples, resample, type CheckedSamples } from '../rates/samples.js';
import type { SobolevCellResult } from './sweep.js';

/**
 * Approximation rates from sweep records: error ~ C P^{-alpha} in the parameter count P, alpha
 * fitted by the rates module's power law (least squares of ln(mean error over seeds) on ln P,
 * percentile bootstrap over seeds within each size), next to the theory's n/d; and the
 * comparison of two families' exponents with a bootstrap interval of their difference.
 */

/** Which error norm a rate is fitted to. */
export type ErrorMetric = 'sup' | 'l2' | 'w1inf' | 'w12';

/** A fitted approximation rate of one family on one target. */
export interface SobolevRate {
  /** Target name. */
  target: string;
  /** Family name. */
  family: string;
  /** The error norm. */
  metric: ErrorMetric;
  /** d. */
  dim: number;
  /** n (null: infinitely smooth). */
  smoothness: number | null;
  /** The theory's rate n/d (Theorem 3 of PolyCom; null when n is infinite: any rate). */
  theory: number | null;
  /** The fitted alpha = -(slope of ln error on ln P). */
  alpha: number;
  /** Bootstrap interval of alpha. */
  ci: [number, number];
  /** ln C of the fitted law error = C P^{-alpha}. */
  intercept: number;
  /** R^2 of the line in log-log space. */
  r2: number;
  /** Distinct parameter counts fitted. */
  sizes: number;
  /** Records fitted. */
  runs: number;
  /** Records left out because their error was not finite and positive (diverged runs, or exact fits at 0). */
  dropped: number;
}

/** The records of one (target, family) grouped by parameter count: x = P, y = the errors over seeds. */
function samplesOf(records: readonly SobolevCellResult[], metric: ErrorMetric): { x: number[]; y: number[][]; dropped: number } {
  const by = new Map<number, number[]>();
  let dropped = 0;
  for (const r of records) {
    const e = r.errors[metric];
    if (typeof e !== 'number' || !Number.isFinite(e) || e <= 0) {
      dropped++;
      continue;
    }
    by.set(r.parameters, [...(by.get(r.parameters) ?? []), e]);
  }
  const x = [...by.keys()].sort((a, b) => a - b);
  return { x, y: x.map((p) => by.get(p)!), dropped };
}

function groups(records: readonly SobolevCellResult[]): Map<string, SobolevCellResult[]> {
  const out = new Map<string, SobolevCellResult[]>();
  for (const r of records) {
    const k = `${r.target}\u0000${r.family}`;
    out.set(k, [...(out.get(k) ?? []), r]);
  }
  return out;
}

/** Options of {@link fitSobolevRates} and {@link compareRates}. */
export interface SobolevRateOptions extends RateFitOptions {
  /** The error norm (default 'sup', the norm of Theorem 3). */
  metric?: ErrorMetric;
}

/**
 * One fitted rate per (target, family) with at least two distinct parameter counts; groups with
 * fewer are left out.
 */
export function fitSobolevRates(records: readonly SobolevCellResult[], options: SobolevRateOptions = {}): SobolevRate[] {
  const metric = options.metric ?? 'sup';
  const out: SobolevRate[] = [];
  for (const rs of groups(records).values()) {
    const first = rs[0]!;
    const s = samplesOf(rs, metric);
    if (s.x.length < 2) continue;
    const fit = fitPowerLaw(s.x, s.y, options);
    out.push({
      target: first.target,
      family: first.family,
      metric,
      dim: first.dim,
      smoothness: first.smoothness,
      theory: first.smoothness === null ? null : first.smoothness / first.dim,
      alpha: -fit.exponent,
      ci: [-fit.ci[1], -fit.ci[0]],
      intercept: fit.intercept,
      r2: fit.r2,
      sizes: s.x.length,
      runs: rs.length - s.dropped,
      dropped: s.dropped,
    });
  }
  return out;
}

/** The difference of two families' rates on one target. */
export interface RateComparison {
  /** Target name. */
  target: string;
  /** The first family (alpha_a). */
  a: string;
  /** The second family (alpha_b). */
  b: string;
  /** alpha_a - alpha_b (positive: a's error falls faster with P). */
  difference: number;
  /** Bootstrap interval of the difference (independent resamples of each family's seeds). */
  ci: [number, number];
  /** 'a-faster' when the whole interval is > 0, 'a-slower' when it is < 0, else 'not-resolved'. */
  verdict: 'a-faster' | 'a-slower' | 'not-resolved';
  /** The geometric mean of the parameter counts fitted (both families). */
  meanParameters: number;
}

const slopeOf = (s: { x: number[]; y: number[] }): number => fitLine(s.x.map(Math.log), s.y.map(Math.log)).slope;

/**
 * Compares families a and b on every target both have (at least two sizes each): the difference
 * of the fitted exponents and its percentile bootstrap interval, each bootstrap draw resampling
 * both families' seeds independently within each size.
 */
export function compareRates(records: readonly SobolevCellResult[], a: string, b: string, options: SobolevRateOptions = {}): RateComparison[] {
  const metric = options.metric ?? 'sup';
  const o = checkRateFitOptions('compareRates', options);
  if (a === b) throw new ValueError(`compareRates: compare two different families, got '${a}' twice`);
  const targets = [...new Set(records.map((r) => r.target))];
  const out: RateComparison[] = [];
  for (const target of targets) {
    const sa = samplesOf(records.filter((r) => r.target === target && r.family === a), metric);
    const sb = samplesOf(records.filter((r) => r.target === target && r.family === b), metric);
    if (sa.x.length < 2 || sb.x.length < 2) continue;
    const ca: CheckedSamples = checkSamples('compareRates', sa.x, sa.y, 2);
    const cb: CheckedSamples = checkSamples('compareRates', sb.x, sb.y, 2);
    const difference = slopeOf({ x: cb.x, y: cb.mean }) - slopeOf({ x: ca.x, y: ca.mean });
    const rand = seededRandom(o.seed);
    const draws: number[] = [];
    for (let tries = 0; draws.length < o.bootstrap && tries < 10 * o.bootstrap; tries++) {
      const d = slopeOf(resample(cb, rand)) - slopeOf(resample(ca, rand));
      if (Number.isFinite(d)) draws.push(d);
    }
    draws.sort((p, q) => p - q);
    const ci = percentileInterval(draws, o.level);
    const all = [...ca.x, ...cb.x];
    out.push({
      target,
      a,
      b,
      difference,
      ci,
      verdict: ci[0] > 0 ? 'a-faster' : ci[1] < 0 ? 'a-slower' : 'not-resolved',
      meanParameters: Math.exp(all.reduce((s, x) => s + Math.log(x), 0) / all.length),
    });
  }
  return out;
}

/** The verdict on "PolyReLU's rate has no log-factor penalty versus ReLU" for one target. */
export interface LogPenaltyVerdict extends RateComparison {
  /** n / d. */
  theory: number;
  /**
   * The exponent gap a log factor would make at these sizes: if ReLU's error were
   * C (P / ln P)^{-n/d}, its local log-log slope would be n/d (1 - 1/ln P), smaller by (n/d) / ln P
   * at the geometric-mean P.
   */
  logFactorGap: number;
  /** Whether the interval is narrower than that gap (half-width < gap), so the data could show it. */
  resolvesLogFactor: boolean;
  /** 'supported': PolyReLU's exponent is at least ReLU's (interval of the difference >= 0); 'contradicted': below it (interval < 0); else 'inconclusive'. */
  outcome: 'supported' | 'contradicted' | 'inconclusive';
}

/**
 * The stated rule for the claim of Theorem 3 against ReLU, per target with finite smoothness:
 * compare alpha(polyrelu) - alpha(relu) (sup norm by default) with its bootstrap interval.
 * Supported when the whole interval is >= 0 (PolyReLU's error falls at least as fast), contradicted
 * when it is < 0, inconclusive otherwise; `resolvesLogFactor` says whether the interval is tight
 * enough to see the gap a log factor would make at these sizes.
 */
export function logPenaltyVerdicts(records: readonly SobolevCellResult[], polyrelu: string, relu: string, options: SobolevRateOptions = {}): LogPenaltyVerdict[] {
  const finite = records.filter((r) => r.smoothness !== null);
  return compareRates(finite, polyrelu, relu, options).map((c) => {
    const r = finite.find((x) => x.target === c.target)!;
    const theory = r.smoothness! / r.dim;
    const logFactorGap = theory / Math.log(c.meanParameters);
    return {
      ...c,
      theory,
      logFactorGap,
      resolvesLogFactor: (c.ci[1] - c.ci[0]) / 2 < logFactorGap,
      outcome: c.ci[0] >= 0 ? 'supported' : c.ci[1] < 0 ? 'contradicted' : 'inconclusive',
    };
  });
}
