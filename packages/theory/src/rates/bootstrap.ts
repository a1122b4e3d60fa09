/** The percentile bootstrap shared by the rate fits. */
import { ValueError } from '@nonlinear/tensor';
import { seededRandom } from './rng.js';
import { resample, sortedQuantile, type CheckedSamples } from './samples.js';

/** Options of the bootstrap of a rate fit. */
export interface RateFitOptions {
  /** Number of bootstrap resamples for the confidence interval (0: no interval, ci is [NaN, NaN]). Default 1000. */
  bootstrap?: number;
  /** Seed of the bootstrap resampling (the interval is reproducible). Default 0. */
  seed?: number;
  /** Coverage of the percentile interval. Default 0.95. */
  level?: number;
}

/** The options with their defaults filled in, checked for `op`. */
export function checkRateFitOptions(op: string, o: RateFitOptions): { bootstrap: number; seed: number; level: number } {
  const bootstrap = o.bootstrap ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(bootstrap) || bootstrap < 0) throw new ValueError(`${op}: bootstrap must be a non-negative integer, got ${bootstrap}`);
  if (!(level > 0 && level < 1)) throw new ValueError(`${op}: level must be in (0, 1), got ${level}`);
  return { bootstrap, seed: o.seed ?? 0, level };
}

/**
 * Bootstrap draws of a statistic of the resampled means, sorted; resamples on which `stat`
 * is not finite (e.g. a case resample with one distinct x) are redrawn, at most 10x over.
 */
export function bootstrapDraws(
  samples: CheckedSamples, count: number, seed: number, stat: (x: number[], y: number[]) => number,
): number[] {
  const rand = seededRandom(seed);
  const draws: number[] = [];
  for (let tries = 0; draws.length < count && tries < 10 * count; tries++) {
    const r = resample(samples, rand);
    const s = stat(r.x, r.y);
    if (Number.isFinite(s)) draws.push(s);
  }
  return draws.sort((a, b) => a - b);
}

/** The percentile interval of sorted draws at `level`. */
export function percentileInterval(sorted: readonly number[], level: number): [number, number] {
  if (sorted.length === 0) return [NaN, NaN];
  return [sortedQuantile(sorted, (1 - level) / 2), sortedQuantile(sorted, (1 + level) / 2)];
}

