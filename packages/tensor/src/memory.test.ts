import { describe, expect, test } from 'vitest';
import * as T from './index.js';
import type { Tensor } from './tensor.js';
import { testBackends } from './test-util/backends.js';

/**
 * Tensor lifetimes: tidy, keep, dispose, `using`, views sharing storage, and the leak test (a
 * long mixed op chain inside tidy leaves live tensors, bytes and the webgpu pool unchanged).
 */

const backends = await testBackends();

/** Live handles and bytes right now. */
const snap = (): { live: number; bytes: number } => {
  const m = T.memory();
  return { live: m.liveTensors, bytes: m.bytesInUse };
};

for (const device of backends) {
  describe(device.name, () => {
    test('tidy disposes intermediates and keeps the returned tensor', async () => {
      const before = snap();
      const made: Tensor[] = [];
      const r = T.tidy(() => {
        const a = T.ones([2, 3], { device });
        const b = a.add(1);
        const c = b.mul(2);
        made.push(a, b, c);
        return c;
      });
      expect(made[0]!.isDisposed).toBe(true);
      expect(made[1]!.isDisposed).toBe(true);
      expect(r.isDisposed).toBe(false);
      const now = snap();
      expect(now.live).toBe(before.live + 1);
      expect(now.bytes).toBeGreaterThanOrEqual(before.bytes + r.storageBytes);
      expect(Array.from(await r.data())).toEqual([4, 4, 4, 4, 4, 4]);
      r.dispose();
      expect(snap()).toEqual(before);
    });

    test('tidy keeps tensors returned in arrays, objects and Maps, and passes other values through', () => {
      const before = snap();
      const made: Tensor[] = [];
      const out = T.tidy(() => {
        const a = T.ones([2], { device });
        const b = a.add(1);
        const c = a.mul(3);
        const d = c.neg();
        const e = d.abs();
        made.push(a, b, c, d, e);
        return { list: [b, { deep: c }], map: new Map([['e', e]]), n: 42, s: 'x' };
      });
      expect(out.n).toBe(42);
      expect(out.s).toBe('x');
      expect(made.map((t) => t.isDisposed)).toEqual([true, false, false, true, false]);
      expect(snap().live).toBe(before.live + 3);
      T.dispose(out);
      expect(made.every((t) => t.isDisposed)).toBe(true);
      expect(snap()).toEqual(before);
    });

    test('nested tidy: the inner result moves to the outer scope and is disposed there unless returned', async () => {
      const before = snap();
      let inner: Tensor | null = null;
      let innerTemp: Tensor | null = null;
      const r = T.tidy(() => {
        inner = T.tidy(() => {
          innerTemp = T.full([3], 2, { device });
          return innerTemp.square();
        });
        expect(innerTemp!.isDisposed).toBe(true);
        expect(inner.isDisposed).toBe(false);
        return inner.add(1);
      });
      expect(inner!.isDisposed).toBe(true);
      expect(snap().live).toBe(before.live + 1);
      expect(Array.from(await r.data())).toEqual([5, 5, 5]);
      r.dispose();
      expect(snap()).toEqual(before);
    });

    test('tidy disposes everything fn created when it throws, and rethrows the same error', () => {
      const before = snap();
      const made: Tensor[] = [];
      const boom = new Error('boom');
      expect(() =>
        T.tidy(() => {
          const a = T.ones([4], { device });
          made.push(a, a.exp(), T.reshape(a, [2, 2]));
          throw boom;
        }),
      ).toThrow(boom);
      expect(made.every((t) => t.isDisposed)).toBe(true);
      expect(snap()).toEqual(before);

      // An error from an op inside nested scopes, caught by an outer tidy that carries on.
      const kept = T.tidy(() => {
        const x = T.ones([2, 3], { device });
        expect(() => T.tidy(() => T.matmul(x.add(1), x))).toThrow(T.ShapeError);
        return x.sum();
      });
      expect(snap().live).toBe(before.live + 1);
      kept.dispose();
      expect(snap()).toEqual(before);
    });

    test('tidy refuses an async fn and disposes what it made', () => {
      const before = snap();
      expect(() => T.tidy((async () => T.ones([2], { device })) as () => unknown)).toThrow(TypeError);
      expect(snap()).toEqual(before);
    });

    test('keep exempts a tensor from tidy; it must be disposed by hand', () => {
      const before = snap();
      let k: Tensor | null = null;
      let temp: Tensor | null = null;
      T.tidy(() => {
        temp = T.ones([5], { device });
        k = T.keep(temp.mul(2));
        T.tidy(() => T.keep(k!)); // keeping again in a nested scope changes nothing
      });
      expect(temp!.isDisposed).toBe(true);
      expect(k!.isDisposed).toBe(false);
      expect(snap().live).toBe(before.live + 1);
      k!.dispose();
      expect(snap()).toEqual(before);
    });

    test('dispose() is idempotent, for tensors and for views', async () => {
      const before = snap();
      const a = T.ones([8], { device });
      const v = a.reshape(2, 4);
      const w = a.index([0, 4]);
      v.dispose();
      v.dispose();
      T.dispose([v, v, { again: v }]);
      // The double disposal of a view must not release the storage twice: `a` and `w` still read.
      expect(Array.from(await a.data())).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
      expect(Array.from(await w.data())).toEqual([1, 1, 1, 1]);
      expect(snap().live).toBe(before.live + 2);
      a.dispose();
      a.dispose();
      expect(Array.from(await w.data())).toEqual([1, 1, 1, 1]);
      w.dispose();
      w.dispose();
      expect(snap()).toEqual(before);
    });

    test('using disposes at the end of the block', async () => {
      // vitest's transform accepts `using` (target ES2022 + lib ESNext.Disposable); no explicit Symbol.dispose call needed.
      const before = snap();
      let seen: Tensor | null = null;
      {
        using x = T.arange(4, undefined, 1, { device });
        seen = x;
        expect(x.isDisposed).toBe(false);
        expect(Array.from(await x.data())).toEqual([0, 1, 2, 3]);
      }
      expect(seen!.isDisposed).toBe(true);
      expect(snap()).toEqual(before);
      // Also on the way out by an exception.
      expect(() => {
        using y = T.ones([3], { device });
        seen = y;
        throw new Error('leave');
      }).toThrow('leave');
      expect(seen!.isDisposed).toBe(true);
      expect(snap()).toEqual(before);
    });

    test('views share storage; bytes are freed only when the last handle goes', async () => {
      const before = snap();
      const base = T.tidy(() => T.arange(16, undefined, 1, { device }).reshape(4, 4));
      const withBase = snap();
      // webgpu counts the pool's size class (at least 256 bytes), cpu the exact 64.
      expect(withBase.bytes - before.bytes).toBeGreaterThanOrEqual(64);
      if (device.name === 'cpu') expect(withBase.bytes - before.bytes).toBe(64);

      const views = T.tidy(() => [base.transpose(0, 1), base.index([1, 3]), base.reshape(16), base.unsqueeze(0).expand(2, 4, 4), base.select(1, 2), base.narrow(0, 1, 2)]);
      for (const v of views) expect(v.storage).toBe(base.storage);
      // Views add handles, not bytes.
      expect(snap()).toEqual({ live: withBase.live + views.length, bytes: withBase.bytes });

      base.dispose();
      expect(snap()).toEqual({ live: withBase.live - 1 + views.length, bytes: withBase.bytes });
      // The storage is still there: the transposed view reads the original values.
      expect(await views[0]!.array()).toEqual([[0, 4, 8, 12], [1, 5, 9, 13], [2, 6, 10, 14], [3, 7, 11, 15]]);
      expect(Array.from(await views[4]!.data())).toEqual([2, 6, 10, 14]);
      for (const v of views.slice(0, -1)) v.dispose();
      expect(snap().bytes).toBe(withBase.bytes);
      expect(await views.at(-1)!.array()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
      views.at(-1)!.dispose();
      expect(snap()).toEqual(before);

      // A reshape that cannot be a view copies: new bytes, independent storage.
      const t = T.ones([3, 4], { device });
      const mid = snap();
      const c = T.tidy(() => t.transpose(0, 1).reshape(12));
      expect(c.storage).not.toBe(t.storage);
      expect(snap().bytes).toBeGreaterThan(mid.bytes);
      T.dispose([t, c]);
      expect(snap()).toEqual(before);
    });

    test(
      'leak test: 1000 iterations of a mixed op chain inside tidy leave memory unchanged',
      async () => {
        T.manualSeed(7);
        const x = T.randn([8, 16], { device });
        const w = T.randn([16, 12], { device });
        const bias = T.randn([12], { device });
        const idx = T.randint(0, 12, [8, 5], { device });
        const rows = T.tensor(Int32Array.from([3, 0, 7]), { device });

        /** One step of a small model: every family of op, views included. Returns a scalar. */
        const step = (i: number): Tensor =>
          T.tidy(() => {
            const h = T.matmul(x.mul(1 + i * 1e-6), w); // matmul, elementwise with a scalar
            const a = T.gelu(h.add(bias)); // broadcasting, transcendental
            const p = T.softmax(a, -1); // reduction-based
            const lp = T.logSoftmax(a, 0);
            const g = T.gather(p, 1, idx); // [8, 5]
            const cat = T.concat([g, g.neg(), T.indexSelect(lp, 0, rows).index(null, [0, 5])], 0); // [19, 5]
            const v = cat.index([0, 16]).reshape(2, 8, 5).permute(2, 0, 1); // views: [5, 2, 8]
            const flat = v.reshape(-1); // a copy: v is not contiguous
            const m = T.gt(v, 0); // comparison
            const y = T.where(m, v, v.mul(0.5)); // where, broadcast-free
            const st = T.stack([y.sum([1, 2]), y.max([1, 2])], 1); // reductions over several dims
            const red = T.variance(a, [0, 1]).add(T.mean(st)).add(T.max(p)).add(T.argmax(lp, 1).sum().float().mul(1e-3));
            const cs = T.cumsum(T.triu(T.pad(h, [1, 1], 0.5)), 1).mean(); // cumsum, triu, pad
            const top = T.topk(a, 3).values.sum();
            const sc = T.scatterAdd(T.zeros([8, 12], { device }), 1, idx, g).sum();
            return red.add(cs).add(top).add(sc).add(flat.sum().mul(0)).sum();
          });

        const before = T.memory();
        let pooledAt100 = -1;
        let first: number | null = null;
        for (let i = 0; i < 1000; i++) {
          const r = step(i % 2); // two alternating inputs: the numbers are checked below
          if (i % 100 === 99) {
            const v = (await r.data())[0]!;
            expect(Number.isFinite(v)).toBe(true);
            if (first === null) first = v;
            else expect(v).toBe(first);
            r.dispose();
            const m = T.memory();
            expect(m.liveTensors, `live tensors after iteration ${i + 1}`).toBe(before.liveTensors);
            expect(m.bytesInUse, `bytes in use after iteration ${i + 1}`).toBe(before.bytesInUse);
            if (i === 99) pooledAt100 = m.pooledBytes;
            else expect(m.pooledBytes, `pooled bytes after iteration ${i + 1}`).toBe(pooledAt100);
          } else {
            r.dispose();
          }
        }
        const after = T.memory();
        expect(after.liveTensors).toBe(before.liveTensors);
        expect(after.bytesInUse).toBe(before.bytesInUse);
        // The webgpu pool reaches a steady state: no buffer is created after the first 100 steps.
        expect(after.pooledBytes).toBe(pooledAt100);
        if (device.name === 'webgpu') expect(after.pooledBytes).toBeGreaterThan(0);
        T.dispose([x, w, bias, idx, rows]);
      },
      120_000,
    );
  });
}
