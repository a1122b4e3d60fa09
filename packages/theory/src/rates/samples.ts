/**
 * The input shape shared by the rate fits: x values with either one y each, or a list of
 * replicate y values each (seeds, replications). Fits use the mean of the replicates; the
 * bootstrap resamples replicates within each x.
 */
import { ValueError } from '@nonlinear/tensor';

/** One y value, or the replicate values measured at one x. */
export type RateSample = number | readonly number[];

/** Checked data of a rate fit: the x values, the replicate lists, and the means. */
export interface CheckedSamples {
  x: number[];
  reps: number[][];
  mean: number[];
  replicated: boolean;
}

/** Validates x and y for `op` (finite, positive, matching lengths, at least `minPoints` x values). */
export function checkSamples(op: string, x: readonly number[], y: readonly RateSample[], minPoints: number, xMin = 0): CheckedSamples {
  if (x.length !== y.length) throw new ValueError(`${op}: x has ${x.length} values but y has ${y.length}`);
  if (x.length < minPoints) throw new ValueError(`${op}: needs at least ${minPoints} x values, got ${x.length}`);
  const replicated = y.some((v) => typeof v !== 'number');
  const reps: number[][] = [];
  const mean: number[] = [];
  x.forEach((xi, i) => {
    if (!Number.isFinite(xi) || xi <= xMin) throw new ValueError(`${op}: x[${i}] = ${xi}; x must be finite and > ${xMin}`);
    const yi = y[i]!;
    const list = typeof yi === 'number' ? [yi] : [...yi];
    if (list.length === 0) throw new ValueError(`${op}: y[${i}] has no replicates`);
    list.forEach((v, j) => {
      if (!Number.isFinite(v) || v <= 0) {
        throw new ValueError(`${op}: y[${i}]${typeof yi === 'number' ? '' : `[${j}]`} = ${v}; y must be finite and > 0 (drop failed runs before fitting, and count them)`);
      }
    });
    reps.push(list);
    mean.push(list.reduce((a, b) => a + b, 0) / list.length);
  });
  const distinct = new Set(x).size;
  if (distinct < minPoints) throw new ValueError(`${op}: needs at least ${minPoints} distinct x values, got ${distinct}`);
  return { x: [...x], reps, mean, replicated };
}

/**
 * One bootstrap resample of the means: within each x when there are replicates (the design, the
 * x values, stays fixed), else pairs (x_i, y_i) drawn with replacement.
 */
export function resample(s: CheckedSamples, rand: () => number): { x: number[]; y: number[] } {
  if (s.replicated) {
    const y = s.reps.map((r) => {
      let sum = 0;
      for (let j = 0; j < r.length; j++) sum += r[Math.floor(rand() * r.length)]!;
      return sum / r.length;
    });
    return { x: s.x, y };
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const k = Math.floor(rand() * s.x.length);
    x.push(s.x[k]!);
    y.push(s.mean[k]!);
  }
  return { x, y };
}

/** Linear-interpolation quantile (NumPy's default) of a sorted list. */
export function sortedQuantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
