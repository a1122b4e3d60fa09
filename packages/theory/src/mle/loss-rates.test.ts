import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { normalFrom, seededRandom } from '../rates/rng.js';
import { EXPONENT_TOLERANCE, judgeRate } from './claims.js';
import { lossOf, lossRate } from './loss-rates.js';
import type { CellLosses, CellStatus, SweepRecord } from './record.js';

const group = (v: number, atoms: number) => ({ beta1: v, tau: 0, a: v, b: v, nu: v, atoms });

/** Losses where every named loss is a known multiple of v: parameters = 4v (single) + 4w (multi). */
const losses = (v: number, multi = 0): CellLosses => ({
  d1: v, d2: 2 * v, weights: v / 10, single: group(v, 2), multi: group(multi, multi > 0 ? 2 : 0), cellSizes: multi > 0 ? [2, 1] : [1, 1], hellinger: v / 3, totalVariation: v / 4,
});

const record = (setting: string, n: number, replication: number, l: CellLosses | null, status: CellStatus = 'ok'): SweepRecord => ({
  key: `${setting}/n-${n}/rep-${replication}`, setting, n, replication, seed: 0, status, iterations: 10, logLikelihood: -1, losses: l, fit: null,
});

const sizes = [100, 300, 1000, 3000, 10000, 30000, 100000];

/** 8 replications per n of law(n) with log-normal noise (sd 0.1 in ln), from one seed. */
function sweep(setting: string, law: (n: number) => number, seed: number): SweepRecord[] {
  const rand = seededRandom(seed);
  return sizes.flatMap((n) => Array.from({ length: 8 }, (_, r) => record(setting, n, r, losses(law(n) * Math.exp(0.1 * normalFrom(rand)), law(n) ** 0.5))));
}

describe('lossOf', () => {
  test('each loss from its parts', () => {
    const l = losses(1, 0.25);
    expect(lossOf(l, 'd1')).toBe(1);
    expect(lossOf(l, 'd2')).toBe(2);
    expect(lossOf(l, 'weights')).toBe(0.1);
    expect(lossOf(l, 'parameters')).toBe(4 + 1);
    // beta1 + tau over all atoms (tau is 0 in these losses).
    expect(lossOf(l, 'gateParameters')).toBe(1 + 0.25);
    expect(lossOf(l, 'singleParameters')).toBe(4);
    expect(lossOf(l, 'multiParameters')).toBe(1);
    // beta1 + tau + a of the multi-atom cells.
    expect(lossOf(l, 'multiSlow')).toBe(0.5);
    expect(lossOf(l, 'hellinger')).toBeCloseTo(1 / 3, 15);
    // Without a multi-atom cell the multi losses do not apply.
    expect(lossOf(losses(1), 'multiSlow')).toBeUndefined();
    expect(lossOf({ ...losses(1), hellinger: undefined }, 'hellinger')).toBeUndefined();
    expect(() => lossOf(l, 'nope' as 'd1')).toThrow(ValueError);
  });
});

describe('lossRate and judgeRate', () => {
  test('failures are counted per n and left out; a not-converged fit is counted and used', () => {
    const recs = [
      record('s', 100, 0, losses(1)), record('s', 100, 1, losses(3)), record('s', 100, 2, null, 'failed'),
      record('s', 400, 0, losses(0.5), 'not-converged'), record('s', 400, 1, losses(0.5)), record('other', 400, 0, losses(9)),
    ];
    const r = lossRate(recs, 's', 'd1', { bootstrap: 0 });
    expect(r.sizes).toEqual([
      { n: 100, mean: 2, used: 2, failed: 1, notConverged: 0, absent: 0 },
      { n: 400, mean: 0.5, used: 2, failed: 0, notConverged: 1, absent: 0 },
    ]);
    expect([r.records, r.failed, r.notConverged]).toEqual([5, 1, 1]);
    // Two points: slope ln(0.5 / 2) / ln(4) = -1.
    expect(r.power!.exponent).toBeCloseTo(-1, 12);
    const strict = lossRate(recs, 's', 'd1', { bootstrap: 0, includeNotConverged: false });
    expect(strict.sizes[1]).toMatchObject({ mean: 0.5, used: 1, notConverged: 1 });
    expect(lossRate(recs, 's', 'multiSlow', { bootstrap: 0 })).toMatchObject({ absent: 4, power: null, comparison: null });
    expect(() => lossRate(recs, 's', 'bad' as 'd1')).toThrow(ValueError);
  });

  test('n^-1/2 data: the exponent is recovered, the -1/2 claim is supported, -1/4 and "slower than polynomial" are not', () => {
    const recs = sweep('par', (n) => 2 / Math.sqrt(n), 1);
    const r = lossRate(recs, 'par', 'd1', { bootstrap: 300, seed: 1 });
    expect(Math.abs(r.power!.exponent + 0.5)).toBeLessThan(0.03);
    expect(r.comparison!.preferred).toBe('power-law');
    expect(judgeRate(r, { kind: 'power', exponent: -0.5 }).supported).toBe(true);
    expect(judgeRate(r, { kind: 'power', exponent: -0.25 }).supported).toBe(false);
    expect(judgeRate(r, { kind: 'slower-than-polynomial' }).supported).toBe(false);
    // The multi-atom loss was made sqrt(law): its exponent is -1/4.
    const m = lossRate(recs, 'par', 'multiSlow', { bootstrap: 300 });
    expect(Math.abs(m.power!.exponent + 0.25)).toBeLessThan(0.03);
    expect(judgeRate(m, { kind: 'power', exponent: -0.25 }).supported).toBe(true);
    const v = judgeRate(r, { kind: 'power', exponent: -0.5 });
    expect(v.rule).toContain(String(EXPONENT_TOLERANCE));
    expect(v.detail).toMatch(/^exponent -0\.\d{3} \[-0\.\d{3}, -0\.\d{3}\], residual SE/);
  });

  test('1/ln n data: "slower than polynomial" is supported and the -1/2 claim is not', () => {
    const r = lossRate(sweep('log', (n) => 3 / Math.log(n), 2), 'log', 'd1', { bootstrap: 300 });
    expect(r.comparison!.preferred).toBe('inverse-log');
    expect(r.inverseLog!.c).toBeGreaterThan(2.8);
    expect(r.inverseLog!.c).toBeLessThan(3.2);
    expect(judgeRate(r, { kind: 'slower-than-polynomial' }).supported).toBe(true);
    expect(judgeRate(r, { kind: 'power', exponent: -0.5 }).supported).toBe(false);
  });

  test('flat data is "slower than polynomial" by the interval rule; no fit gives no verdict', () => {
    const r = lossRate(sweep('flat', () => 0.1, 3), 'flat', 'd1', { bootstrap: 300 });
    expect(r.power!.ci[0]).toBeGreaterThan(-0.25);
    expect(judgeRate(r, { kind: 'slower-than-polynomial' }).supported).toBe(true);
    const none = lossRate([record('x', 100, 0, losses(1))], 'x', 'd1');
    expect(none.power).toBeNull();
    expect(judgeRate(none, { kind: 'power', exponent: -0.5 }).supported).toBeNull();
    expect(judgeRate(none, { kind: 'slower-than-polynomial' }).supported).toBeNull();
    expect(judgeRate(lossRate(sweep('flat', () => 0.1, 3), 'flat', 'd1', { bootstrap: 0 }), { kind: 'slower-than-polynomial' }).supported).toBeNull();
  });
});
