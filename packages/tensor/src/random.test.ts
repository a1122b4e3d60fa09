import { describe, expect, test } from 'vitest';
import type { Backend } from './backend/backend.js';
import * as T from './index.js';
import { testBackends } from './test-util/backends.js';

/**
 * The Philox generator: a seed gives the same stream on cpu and webgpu (bit for bit for rand and
 * randint; randn within float32 rounding of log/cos), streams are reproducible and seed-dependent,
 * and the distributions have the right moments.
 */

const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu');

/** The raw bits of a float32 array, so equality means bit-identical (NaN and -0 included). */
const bits = (a: ArrayLike<number>): Uint32Array => new Uint32Array(Float32Array.from(a).buffer);

/** One fixed sequence of draws on a backend, starting from `seed`. */
async function draws(seed: number, device: Backend) {
  T.manualSeed(seed);
  const read = async (t: T.Tensor) => {
    const d = await t.data();
    t.dispose();
    return d;
  };
  return {
    rand: await read(T.rand([1000], { device })),
    // 70,000 elements span 274 workgroups of 256; odd sizes end mid-workgroup.
    randBig: await read(T.rand([7, 10000], { device })),
    randRange: await read(T.rand([3, 77], { device, low: -2, high: 3 })),
    randint: await read(T.randint(-5, 17, [2001], { device })),
    randintWide: await read(T.randint(-(2 ** 31), 2 ** 31 - 1, [500], { device })),
    randn: await read(T.randn([1000], { device })),
    randnScaled: await read(T.randn([999], { device, mean: 1, std: 3 })),
  };
}

describe.skipIf(!gpu)('cpu and webgpu agree', () => {
  for (const seed of [0, 42, 2 ** 40 + 5]) {
    test(`seed ${seed}: rand and randint bit-identical, randn within 1e-5`, async () => {
      const c = await draws(seed, backends[0]!);
      const g = await draws(seed, gpu!);
      expect(bits(g.rand)).toEqual(bits(c.rand));
      expect(bits(g.randBig)).toEqual(bits(c.randBig));
      expect(bits(g.randRange)).toEqual(bits(c.randRange));
      expect(Array.from(g.randint)).toEqual(Array.from(c.randint));
      expect(Array.from(g.randintWide)).toEqual(Array.from(c.randintWide));
      // Box-Muller through float32 log and cos on the GPU: 1e-5 absolute, scaled by std.
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
        let m = 0;
        for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
        return m;
      };
      expect(maxDiff(g.randn, c.randn)).toBeLessThanOrEqual(1e-5);
      expect(maxDiff(g.randnScaled, c.randnScaled)).toBeLessThanOrEqual(3e-5);
    });
  }

  test('a state taken on one backend continues the same stream on the other', async () => {
    T.manualSeed(99);
    T.rand([5], { device: backends[0]! }).dispose();
    const state = T.getRngState();
    const onCpu = await T.rand([300], { device: backends[0]! }).data();
    T.setRngState(state);
    const onGpu = await T.rand([300], { device: gpu! }).data();
    expect(bits(onGpu)).toEqual(bits(onCpu));
  });
});

for (const device of backends) {
  describe(device.name, () => {
    test('the same seed twice gives the same numbers; the next call gives new ones', async () => {
      const a = await draws(1234, device);
      const b = await draws(1234, device);
      for (const k of Object.keys(a) as (keyof typeof a)[]) {
        expect(bits(b[k]), k).toEqual(bits(a[k]));
      }
      // Within one seed, successive calls draw fresh numbers.
      T.manualSeed(1234);
      const first = await T.rand([1000], { device }).data();
      const second = await T.rand([1000], { device }).data();
      expect(fractionEqual(first, second)).toBeLessThan(0.01);
    });

    test('different seeds give different numbers', async () => {
      const seeds = [1, 2, 2 ** 32 + 1, 1e15];
      const streams = [];
      for (const s of seeds) {
        T.manualSeed(s);
        const t = T.rand([1000], { device });
        streams.push(await t.data());
        t.dispose();
      }
      // 1 and 2^32 + 1 differ only in the high word of the key.
      for (let i = 0; i < seeds.length; i++) {
        for (let j = i + 1; j < seeds.length; j++) {
          expect(fractionEqual(streams[i]!, streams[j]!), `seeds ${seeds[i]} and ${seeds[j]}`).toBeLessThan(0.01);
        }
      }
    });

    test('rand: 100k samples in [0, 1) with mean 1/2 and variance 1/12', async () => {
      T.manualSeed(11);
      const t = T.rand([100_000], { device });
      const x = await t.data();
      const { mean, variance, min, max } = moments(x);
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(1);
      expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.005);
      // The library's own reductions agree with the host's.
      expect(await T.mean(t).item()).toBeCloseTo(mean, 4);
      expect(await T.variance(t, null, { correction: 0 }).item()).toBeCloseTo(variance, 4);
      // low/high map the same draws onto [low, high).
      const r = await T.rand([100_000], { device, low: -3, high: 5 }).data();
      const m2 = moments(r);
      expect(m2.min).toBeGreaterThanOrEqual(-3);
      expect(m2.max).toBeLessThan(5);
      expect(Math.abs(m2.mean - 1)).toBeLessThan(0.08);
      t.dispose();
    });

    test('randn: 100k samples with mean 0 and std 1', async () => {
      T.manualSeed(12);
      const x = await T.randn([100_000], { device }).data();
      const { mean, variance } = moments(x);
      expect(x.every(Number.isFinite)).toBe(true);
      expect(Math.abs(mean)).toBeLessThan(0.02);
      expect(Math.abs(Math.sqrt(variance) - 1)).toBeLessThan(0.02);
      // Tails: about 4.55% beyond 2 sigma for a normal.
      const beyond2 = x.filter((v) => Math.abs(v) > 2).length / x.length;
      expect(Math.abs(beyond2 - 0.0455)).toBeLessThan(0.005);
      const y = await T.randn([100_000], { device, mean: 5, std: 0.5 }).data();
      const my = moments(y);
      expect(Math.abs(my.mean - 5)).toBeLessThan(0.01);
      expect(Math.abs(Math.sqrt(my.variance) - 0.5)).toBeLessThan(0.01);
    });

    test('randint: within [low, high), every value hit, roughly uniformly', async () => {
      T.manualSeed(13);
      const low = -3;
      const high = 7;
      const t = T.randint(low, high, [100_000], { device });
      expect(t.dtype).toBe('int32');
      const x = await t.data();
      const counts = new Map<number, number>();
      for (const v of x) counts.set(v, (counts.get(v) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
      // Expected 10,000 each with a standard deviation of about 95.
      for (const [v, n] of counts) expect(Math.abs(n - 10_000), `count of ${v}`).toBeLessThan(500);
      t.dispose();
    });

    test('getRngState / setRngState reproduce a stream', async () => {
      T.manualSeed(77);
      T.rand([10], { device }).dispose();
      const state = T.getRngState();
      const a1 = await T.rand([50], { device }).data();
      const a2 = await T.randint(0, 1000, [50], { device }).data();
      const a3 = await T.randn([50], { device }).data();
      // The state is a snapshot: changing what getRngState returned changes nothing.
      const copy = T.getRngState();
      copy.key[0] ^= 1;
      copy.calls += 5;
      T.setRngState(state);
      expect(bits(await T.rand([50], { device }).data())).toEqual(bits(a1));
      expect(Array.from(await T.randint(0, 1000, [50], { device }).data())).toEqual(Array.from(a2));
      expect(bits(await T.randn([50], { device }).data())).toEqual(bits(a3));
    });

    test('bad arguments', () => {
      expect(() => T.manualSeed(NaN)).toThrow(T.ValueError);
      expect(() => T.randint(5, 5, [3], { device })).toThrow(T.ValueError);
      expect(() => T.randint(0, 2.5, [3], { device })).toThrow(/randint/);
      expect(() => T.rand([2], { device, dtype: 'int32' })).toThrow(T.DTypeError);
      expect(() => T.randint(0, 3, [2], { device, dtype: 'float32' })).toThrow(T.DTypeError);
    });
  });
}

function fractionEqual(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

function moments(x: ArrayLike<number>): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    s += x[i]!;
    min = Math.min(min, x[i]!);
    max = Math.max(max, x[i]!);
  }
  const mean = s / x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - mean) ** 2;
  return { mean, variance: v / x.length, min, max };
}
