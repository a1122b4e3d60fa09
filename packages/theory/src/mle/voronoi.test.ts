import { protocolTruth, type GaussianMoEParams } from '@nonlinear/moe';
import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { parameterErrors, solvability, voronoiCells, voronoiD1, voronoiD2 } from './voronoi.js';

const F = (...v: number[]) => Float64Array.from(v);
const model = (p: Partial<GaussianMoEParams> & Pick<GaussianMoEParams, 'beta1' | 'beta0' | 'a' | 'b' | 'nu'>): GaussianMoEParams =>
  ({ k: p.beta0.length, d: 1, gate: 'softmax', tau: 1, ...p });

// The truth of every hand-computed case: expert 0 (beta1 2, beta0 1, a 1, b 0, nu 1), expert 1 the reference.
const truth = model({ beta1: F(2, 0), beta0: F(1, 0), a: F(1, -1), b: F(0, 3), nu: F(1, 2) });

describe('Voronoi losses, exact-specified', () => {
  const fit = model({ beta1: F(2.5, 0), beta0: F(0.5, 0), a: F(1.2, -1), b: F(0.1, 2.8), nu: F(1.3, 2) });

  test('D1 by hand: weight x summed differences per atom, plus the weight mismatch', () => {
    expect(voronoiCells(fit, truth).cells).toEqual([[0], [1]]);
    // Atom 0: exp(0.5) (|0.5| + |0.2| + |0.1| + |0.3|); atom 1: exp(0) |2.8 - 3|;
    // weights: |exp(0.5) - exp(1)| + |1 - 1|.
    const want = Math.exp(0.5) * 1.1 + 0.2 + (Math.E - Math.exp(0.5));
    expect(voronoiD1(fit, truth)).toBeCloseTo(want, 14);
    // Every cell holds one atom, so D2 = D1.
    expect(voronoiD2(fit, truth)).toBeCloseTo(want, 14);
  });

  test('D1 with temperature: weights exp(beta0 / tau) and |tau - tau*| in every atom', () => {
    const tTruth: GaussianMoEParams = { ...truth, gate: 'temperature', tau: 2 };
    const tFit: GaussianMoEParams = { ...fit, gate: 'temperature', tau: 2.5 };
    // Atom 0: exp(0.5 / 2.5) (0.5 + 0.2 + 0.1 + 0.3 + |2.5 - 2|); atom 1: 1 (0.2 + 0.5);
    // weights: |exp(0.2) - exp(1 / 2)|.
    const want = Math.exp(0.2) * 1.6 + 0.7 + (Math.exp(0.5) - Math.exp(0.2));
    expect(voronoiD1(tFit, tTruth)).toBeCloseTo(want, 14);
    // Forcing the plain form drops tau and uses exp(beta0).
    expect(voronoiD1(tFit, tTruth, { temperature: false })).toBeCloseTo(Math.exp(0.5) * 1.1 + 0.2 + (Math.E - Math.exp(0.5)), 14);
  });

  test('zero at the truth, for the protocol models of every gate', () => {
    for (const t of [truth, protocolTruth(), protocolTruth({ gate: 'temperature', tau: 2 }), protocolTruth({ gate: 'activation', activation: 'tanh' })]) {
      expect(voronoiD1(t, t)).toBe(0);
      expect(voronoiD2(t, t)).toBe(0);
      const pe = parameterErrors(t, t);
      expect(pe.weights + pe.single.beta1 + pe.single.a + pe.single.b + pe.single.nu + pe.single.tau).toBe(0);
    }
  });
});

describe('Voronoi losses, over-specified', () => {
  // Atoms 0 and 1 fall in the cell of true atom 0, atom 2 (the reference) in that of true atom 1; all weights exp(0) = 1.
  const fit = model({ beta1: F(2.5, 1, 0), beta0: F(0, 0, 0), a: F(1.5, 1, -1), b: F(0.5, 0, 3.5), nu: F(1.5, 1, 2) });

  test('cells and D2 by hand: r(2) = 4 for beta1 and b, r/2 = 2 for a and nu', () => {
    expect(voronoiCells(fit, truth).cells).toEqual([[0, 1], [2]]);
    // Atom 0: 0.5^4 + 0.5^4 + 0.5^2 + 0.5^2 = 0.625; atom 1: 1^4 = 1; atom 2 (single): |3.5 - 3| = 0.5;
    // weights: |1 + 1 - e| + |1 - 1| = e - 2.
    expect(voronoiD2(fit, truth)).toBeCloseTo(0.625 + 1 + 0.5 + (Math.E - 2), 14);
    // D1 keeps first powers: 2 + 1 + 0.5 + (e - 2).
    expect(voronoiD1(fit, truth)).toBeCloseTo(3.5 + (Math.E - 2), 14);
    // A given r(m): with r = 2 (a and nu to the power 1), atom 0 gives 0.25 + 0.25 + 0.5 + 0.5.
    expect(voronoiD2(fit, truth, { solvability: () => 2 })).toBeCloseTo(1.5 + 1 + 0.5 + (Math.E - 2), 14);
  });

  test('per-parameter errors split single- and multi-atom cells and sum to D1', () => {
    const pe = parameterErrors(fit, truth);
    expect(pe.multi).toEqual({ beta1: 1.5, tau: 0, a: 0.5, b: 0.5, nu: 0.5, atoms: 2 });
    expect(pe.single).toEqual({ beta1: 0, tau: 0, a: 0, b: 0.5, nu: 0, atoms: 1 });
    expect(pe.weights).toBeCloseTo(Math.E - 2, 14);
    const sum = pe.weights + [pe.multi, pe.single].reduce((a, g) => a + g.beta1 + g.tau + g.a + g.b + g.nu, 0);
    expect(sum).toBeCloseTo(voronoiD1(fit, truth), 14);
  });

  test('temperature form of D2: |d tau| raised to r in a multi-atom cell', () => {
    const tTruth: GaussianMoEParams = { ...truth, gate: 'temperature', tau: 1 };
    const tFit: GaussianMoEParams = { ...fit, gate: 'temperature', tau: 1.5 };
    // As above plus |1.5 - 1|^4 for atoms 0 and 1 and |1.5 - 1| for atom 2; weights exp(0 / 1.5) = 1 and exp(1 / 1) = e.
    expect(voronoiD2(tFit, tTruth)).toBeCloseTo(0.625 + 0.0625 + 1 + 0.0625 + 0.5 + 0.5 + (Math.E - 2), 14);
  });

  test('solvability: r(2) = 4, r(3) = 6; an empty cell counts its whole true weight', () => {
    expect([solvability(2), solvability(3)]).toEqual([4, 6]);
    expect(() => solvability(1)).toThrow(ValueError);
    // Both fitted atoms at true atom 1: cell 0 is empty and adds exp(1); cell 1 holds two exact copies.
    const both = model({ beta1: F(0, 0), beta0: F(0, 0), a: F(-1, -1), b: F(3, 3), nu: F(2, 2) });
    expect(voronoiCells(both, truth).cells).toEqual([[], [0, 1]]);
    expect(voronoiD2(both, truth)).toBeCloseTo(Math.E + 1, 14);
  });
});

test('models that cannot be compared are a ValueError', () => {
  expect(() => voronoiD1({ ...truth, gate: 'temperature' }, truth)).toThrow(/temperature gate but truth a softmax/);
  expect(() => voronoiD1({ ...truth, d: 2, beta1: F(1, 1, 0, 0), a: F(1, 1, 0, 0) }, truth)).toThrow(/d = 2/);
  expect(() => voronoiD1({ ...truth, nu: F(1, -1) }, truth)).toThrow(ValueError);
});
