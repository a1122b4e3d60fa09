/**
 * Rates from sweep records: for one setting and one loss, the mean loss per n over the
 * replications that did not fail, a power law and a c / ln n law fitted to it (rates/), and the
 * counts of failed and non-converged fits, reported beside the fit, never dropped silently.
 */
import { ValueError } from '@nonlinear/tensor';
import type { RateFitOptions } from '../rates/bootstrap.js';
import { compareRateLaws, type RateLawComparison } from '../rates/compare.js';
import { fitInverseLog, type InverseLogFit } from '../rates/inverse-log.js';
import { fitPowerLaw, type PowerLawFit } from '../rates/power-law.js';
import type { CellLosses, SweepRecord } from './record.js';

/**
 * The losses a rate can be fitted to:
 * - 'd1', 'd2': the Voronoi losses; 'weights': their mixing-weight part;
 * - 'parameters': every atom's gate-weighted errors of beta1, tau, a, b, nu (D1 minus weights);
 * - 'gateParameters': the gate's part of those, beta1 and tau (with beta0, the ray along which a temperature gate is invariant);
 * - 'singleParameters' / 'multiParameters': the same over atoms alone in / sharing their cell;
 * - 'multiSlow': beta1, tau and a over atoms sharing a cell (the ~n^-1/4 group of moe.md);
 * - 'hellinger', 'totalVariation': the density distances.
 */
export type LossName = 'd1' | 'd2' | 'weights' | 'parameters' | 'gateParameters' | 'singleParameters' | 'multiParameters' | 'multiSlow' | 'hellinger' | 'totalVariation';

/** Every loss name, in a stable order. */
export const LOSS_NAMES: readonly LossName[] = ['d1', 'd2', 'weights', 'parameters', 'gateParameters', 'singleParameters', 'multiParameters', 'multiSlow', 'hellinger', 'totalVariation'];

/**
 * One loss of a record's losses; undefined when it does not apply (no atom shares a cell for the
 * multi-atom losses, density distances not computed) or is not positive (a log-scale fit needs
 * > 0).
 */
export function lossOf(l: CellLosses, name: LossName): number | undefined {
  const sum = (g: CellLosses['single']): number => g.beta1 + g.tau + g.a + g.b + g.nu;
  let v: number | undefined;
  switch (name) {
    case 'd1': v = l.d1; break;
    case 'd2': v = l.d2; break;
    case 'weights': v = l.weights; break;
    case 'parameters': v = sum(l.single) + sum(l.multi); break;
    case 'gateParameters': v = l.single.beta1 + l.single.tau + l.multi.beta1 + l.multi.tau; break;
    case 'singleParameters': v = l.single.atoms ? sum(l.single) : undefined; break;
    case 'multiParameters': v = l.multi.atoms ? sum(l.multi) : undefined; break;
    case 'multiSlow': v = l.multi.atoms ? l.multi.beta1 + l.multi.tau + l.multi.a : undefined; break;
    case 'hellinger': v = l.hellinger; break;
    case 'totalVariation': v = l.totalVariation; break;
    default: throw new ValueError(`lossOf: unknown loss '${String(name)}'; known: ${LOSS_NAMES.join(', ')}`);
  }
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Per-n statistics of one loss. */
export interface LossAtSize {
  /** Sample size. */
  n: number;
  /** Mean of the loss over the replications used. */
  mean: number;
  /** Replications used. */
  used: number;
  /** Replications whose fit failed (left out). */
  failed: number;
  /** Replications that ran out of iterations (used unless `includeNotConverged` is false). */
  notConverged: number;
  /** Replications where the loss does not apply or is not positive (left out). */
  absent: number;
}

/** A loss's rate in one setting. */
export interface LossRate {
  /** The setting's name. */
  setting: string;
  /** The loss fitted. */
  loss: LossName;
  /** One entry per n with at least one record, in increasing n. */
  sizes: LossAtSize[];
  /** Records of the setting, over all n. */
  records: number;
  /** Failed fits, over all n (left out). */
  failed: number;
  /** Fits that ran out of iterations, over all n. */
  notConverged: number;
  /** Records where the loss does not apply, over all n (left out). */
  absent: number;
  /** The power law fitted to mean loss against n (null with fewer than 2 sizes that have values). */
  power: PowerLawFit | null;
  /** The c / ln n law (null likewise). */
  inverseLog: InverseLogFit | null;
  /** Which of the two fits better (residual standard error in ln loss). */
  comparison: RateLawComparison | null;
}

/** Options of `lossRate`. */
export interface LossRateOptions extends RateFitOptions {
  /** Use the losses of fits that ran out of iterations (default true; they are counted either way). */
  includeNotConverged?: boolean;
}

/**
 * Fits the rate of `loss` in `setting`: ln(mean loss) on ln n by least squares with a bootstrap
 * interval that resamples replications within each n (seeded), next to the c / ln n law and their
 * comparison. Failed fits are left out and counted per n.
 */
export function lossRate(records: readonly SweepRecord[], setting: string, loss: LossName, options: LossRateOptions = {}): LossRate {
  if (!LOSS_NAMES.includes(loss)) throw new ValueError(`lossRate: unknown loss '${String(loss)}'; known: ${LOSS_NAMES.join(', ')}`);
  const include = options.includeNotConverged ?? true;
  const byN = new Map<number, { values: number[]; failed: number; notConverged: number; absent: number }>();
  let count = 0;
  for (const r of records) {
    if (r.setting !== setting) continue;
    count++;
    let e = byN.get(r.n);
    if (!e) byN.set(r.n, (e = { values: [], failed: 0, notConverged: 0, absent: 0 }));
    if (r.status === 'failed' || r.losses === null) {
      e.failed++;
      continue;
    }
    if (r.status === 'not-converged') {
      e.notConverged++;
      if (!include) continue;
    }
    const v = lossOf(r.losses, loss);
    if (v === undefined) e.absent++;
    else e.values.push(v);
  }
  const ns = [...byN.keys()].sort((a, b) => a - b);
  const sizes: LossAtSize[] = ns.map((n) => {
    const e = byN.get(n)!;
    return { n, mean: e.values.length ? e.values.reduce((a, b) => a + b, 0) / e.values.length : NaN, used: e.values.length, failed: e.failed, notConverged: e.notConverged, absent: e.absent };
  });
  const withValues = ns.filter((n) => byN.get(n)!.values.length > 0);
  let power: PowerLawFit | null = null;
  let inverseLog: InverseLogFit | null = null;
  if (withValues.length >= 2) {
    const y = withValues.map((n) => byN.get(n)!.values);
    power = fitPowerLaw(withValues, y, options);
    // c / ln n needs n > 1; a sweep with n = 1 fits the power law alone.
    if (withValues.every((n) => n > 1)) inverseLog = fitInverseLog(withValues, y, options);
  }
  const total = (f: (s: LossAtSize) => number): number => sizes.reduce((a, s) => a + f(s), 0);
  return {
    setting, loss, sizes, records: count, failed: total((s) => s.failed), notConverged: total((s) => s.notConverged), absent: total((s) => s.absent),
    power, inverseLog, comparison: power && inverseLog ? compareRateLaws(power, inverseLog) : null,
  };
}
