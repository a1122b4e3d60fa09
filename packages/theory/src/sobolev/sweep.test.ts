import * as T from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { mlpFamily } from './families.js';
import { compareRates, fitSobolevRates, logPenaltyVerdicts } from './rates.js';
import { runSobolevCell, runSobolevSweep, sobolevCells, type SobolevCellResult, type SobolevSweepConfig } from './sweep.js';
import { limitedSmoothnessTarget, polynomialTarget } from './targets.js';
import { testBackends } from './test-util/backends.js';

/*
 * A tiny sweep end to end (resume from a store, per-cell seeding), and the rate fits on
 * synthetic records whose exponents are known.
 */

const backends = await testBackends();
const cpu = backends[0]!;

describe.each(backends.map((b) => [b.name, b] as const))('a tiny sweep on %s', (_n, device) => {
  const config: SobolevSweepConfig = {
    targets: [limitedSmoothnessTarget(1, 2)],
    families: [mlpFamily('relu', { depth: 1 }), mlpFamily('polyrelu', { depth: 1 })],
    sizes: [2, 4],
    seeds: 1,
    fit: { adamSteps: 20, lbfgsIterations: 5, points: 64, readEvery: 10 },
    errors: { gridBudget: 128, qmcPoints: 64, replicates: 2, refineTop: 2, refineSteps: 4 },
    device,
    dtype: 'float32',
  };

  test('cells are stored as they finish; a rerun with the store skips them; one cell recomputed alone matches', async () => {
    const stored: SobolevCellResult[] = [];
    const store = { has: (k: string) => stored.some((r) => r.key === k), append: (r: SobolevCellResult) => void stored.push(r), all: () => stored };
    const seen: string[] = [];
    const first = await runSobolevSweep(config, { store, onResult: (r) => seen.push(r.key) });
    expect(seen).toEqual(['limited-n2-d1/mlp-relu/size-2/seed-0', 'limited-n2-d1/mlp-relu/size-4/seed-0', 'limited-n2-d1/mlp-polyrelu/size-2/seed-0', 'limited-n2-d1/mlp-polyrelu/size-4/seed-0']);
    expect(stored.map((r) => r.key)).toEqual(seen);
    // 1 -> w -> 1 MLP: 3w + 1 parameters; PolyReLU adds its 4 coefficients.
    expect(first.map((r) => r.parameters)).toEqual([7, 13, 11, 17]);
    for (const r of first) {
      expect(r.fit.finite).toBe(true);
      expect(r.errors.sup).toBeGreaterThan(0);
      expect(r.errors.l2).toBeLessThanOrEqual(r.errors.sup);
      expect(r.smoothness).toBe(2);
    }
    // "Kill" after two cells: the rerun runs only the other two.
    stored.splice(2);
    seen.length = 0;
    const again = await runSobolevSweep(config, { store, onResult: (r) => seen.push(r.key) });
    expect(seen).toEqual(first.slice(2).map((r) => r.key));
    expect(again.map((r) => r.errors.sup)).toEqual(first.map((r) => r.errors.sup));
    // Any cell alone, whatever ran before it, gives the same record.
    T.manualSeed(999);
    const cell = sobolevCells(config)[3]!;
    const alone = await runSobolevCell(cell, config);
    expect(alone.errors).toEqual(first[3]!.errors);
    expect(alone.fit.finalLoss).toBe(first[3]!.fit.finalLoss);
  }, 60_000);
});

test('sweep configs are checked', () => {
  const base: SobolevSweepConfig = { targets: [polynomialTarget(1, 2)], families: [mlpFamily('relu')], sizes: [2], seeds: 1 };
  expect(() => sobolevCells({ ...base, sizes: [0] })).toThrow(/sizes must be positive integers/);
  expect(() => sobolevCells({ ...base, families: [mlpFamily('relu'), mlpFamily('relu')] })).toThrow(/two families are named 'mlp-relu'/);
  expect(() => sobolevCells({ ...base, seeds: 0 })).toThrow(ValueError);
  expect(sobolevCells({ ...base, seeds: [3, 5] }).map((c) => c.key)).toEqual(['polynomial-r2-d1/mlp-relu/size-2/seed-3', 'polynomial-r2-d1/mlp-relu/size-2/seed-5']);
  expect(() => mlpFamily('relu', { depth: 0 })).toThrow(/depth/);
  expect(() => mlpFamily('relu').build(0, { inFeatures: 1, device: cpu })).toThrow(/size \(the hidden width\)/);
});

/** Synthetic records: error = c P^{-alpha} times a per-seed factor (the same factors for every size). */
function synthetic(family: string, alpha: number, c: number, factors: number[], target = 'limited-n2-d1', dim = 1, n: number | null = 2): SobolevCellResult[] {
  const out: SobolevCellResult[] = [];
  for (const p of [10, 40, 160, 640]) {
    factors.forEach((f, seed) => {
      const e = c * p ** -alpha * f;
      out.push({
        key: `${target}/${family}/${p}/${seed}`, target, dim, smoothness: n, family, size: p, seed, parameters: p,
        errors: { sup: e, supSampled: e, supAt: [0], supBound: null, l2: e / 2, l2Stderr: 0, w1inf: null, w12: null, w12Stderr: null, points: { grid: 1, qmc: 1, refine: 0 } },
        fit: { adamLoss: 0, finalLoss: 0, adamSteps: 0, lbfgsEvaluations: 0, finite: true, ms: 0 }, erank: [],
      });
    });
  }
  return out;
}

describe('rates', () => {
  test('fitted exponents recover the synthetic ones; theory n/d beside them; non-finite errors are dropped and counted', () => {
    const recs = [...synthetic('a', 2, 3, [1, 1.1, 0.9]), ...synthetic('b', 1.25, 1, [1, 1.2])];
    recs[0]!.errors.sup = NaN;
    const fits = fitSobolevRates(recs, { bootstrap: 200, seed: 1 });
    const a = fits.find((f) => f.family === 'a')!;
    const b = fits.find((f) => f.family === 'b')!;
    expect(a.alpha).toBeCloseTo(2, 2);
    expect(b.alpha).toBeCloseTo(1.25, 10);
    expect(a.theory).toBe(2);
    expect(a.dropped).toBe(1);
    expect(a.runs).toBe(11);
    expect(a.ci[0]).toBeLessThanOrEqual(a.alpha);
    expect(a.ci[1]).toBeGreaterThanOrEqual(a.alpha);
    // l2 is sup / 2 here: the same exponent.
    expect(fitSobolevRates(recs, { metric: 'l2', bootstrap: 0 }).find((f) => f.family === 'b')!.alpha).toBeCloseTo(1.25, 10);
  });

  test('compareRates: difference of exponents with a bootstrap interval and a verdict', () => {
    const recs = [...synthetic('fast', 2, 3, [1, 1.3, 0.8]), ...synthetic('slow', 1, 1, [1, 1.3, 0.8])];
    const [c] = compareRates(recs, 'fast', 'slow', { bootstrap: 200, seed: 2 });
    expect(c!.difference).toBeCloseTo(1, 10);
    expect(c!.verdict).toBe('a-faster');
    expect(compareRates(recs, 'slow', 'fast', { bootstrap: 200 })[0]!.verdict).toBe('a-slower');
    expect(c!.meanParameters).toBeCloseTo(80, 8);
    expect(() => compareRates(recs, 'fast', 'fast')).toThrow(/two different families/);
  });

  test('logPenaltyVerdicts: the stated rule on three constructed cases', () => {
    const same = [...synthetic('polyrelu', 1, 1, [1, 1.5, 0.6]), ...synthetic('relu', 1, 2, [1, 0.7, 1.4])];
    const faster = [...synthetic('polyrelu', 2, 1, [1, 1.01]), ...synthetic('relu', 1.5, 1, [1, 1.01])];
    const slower = [...synthetic('polyrelu', 1, 1, [1, 1.01]), ...synthetic('relu', 2, 1, [1, 1.01])];
    const v = (recs: SobolevCellResult[]) => logPenaltyVerdicts(recs, 'polyrelu', 'relu', { bootstrap: 200 })[0]!;
    expect(v(faster).outcome).toBe('supported');
    expect(v(slower).outcome).toBe('contradicted');
    const s = v(same);
    expect(s.difference).toBeCloseTo(0, 10);
    expect(s.outcome === 'supported' || s.outcome === 'inconclusive').toBe(true);
    // n/d = 2 at a geometric-mean P of 80: a log factor would cost 2 / ln 80 in the exponent.
    expect(s.logFactorGap).toBeCloseTo(2 / Math.log(80), 10);
    // Infinitely smooth targets have no finite n/d and are left out of the verdict.
    expect(logPenaltyVerdicts([...synthetic('polyrelu', 1, 1, [1, 2], 'smooth-d1', 1, null), ...synthetic('relu', 1, 1, [1, 2], 'smooth-d1', 1, null)], 'polyrelu', 'relu')).toEqual([]);
  });
});
