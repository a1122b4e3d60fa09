import { describe, expect, test } from 'vitest';
import type { Backend } from './backend/backend.js';
import * as T from './index.js';
import type { Tensor } from './tensor.js';
import { testBackends } from './test-util/backends.js';

/**
 * Bad input raises a typed error whose message names the op and what was wrong (shapes, dtypes,
 * indices). Every case runs on each backend; webgpu-only behaviour (float64, device limits,
 * device loss, indices found out of range by a kernel) is checked where it applies.
 */

type ErrorClass = abstract new (...args: never[]) => Error;

/** The error fn throws synchronously, checked to be an instance of `cls` whose message contains every part. */
function expectThrows(fn: () => unknown, cls: ErrorClass, ...parts: string[]): Error {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${cls.name}`).toBeInstanceOf(cls);
  const e = err as Error;
  expect(e.name).toBe(cls.name);
  for (const p of parts) expect(e.message).toContain(p);
  return e;
}

async function expectRejects(p: Promise<unknown>, cls: ErrorClass, ...parts: string[]): Promise<Error> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${cls.name}`).toBeInstanceOf(cls);
  const e = err as Error;
  for (const p of parts) expect(e.message).toContain(p);
  return e;
}

/** Asserts fn throws and leaves no tensor handle or byte behind (a failed op cleans up after itself). */
function expectThrowsClean(fn: () => unknown, cls: ErrorClass, ...parts: string[]): Error {
  const before = T.memory();
  const e = expectThrows(fn, cls, ...parts);
  const after = T.memory();
  expect(after.liveTensors).toBe(before.liveTensors);
  expect(after.bytesInUse).toBe(before.bytesInUse);
  return e;
}

const backends = await testBackends();
const cpu = backends[0]!;
const gpu = backends.find((b) => b.name === 'webgpu');

const int = (data: number[], device: Backend, shape?: number[]): Tensor => T.tensor(Int32Array.from(data), { device, shape });

for (const device of backends) {
  describe(device.name, () => {
    describe('incompatible shapes: ShapeError', () => {
      test('add of [2, 3] and [4]', () => {
        const a = T.zeros([2, 3], { device });
        const b = T.zeros([4], { device });
        expectThrowsClean(() => T.add(a, b), T.ShapeError, 'add', '[2, 3]', '[4]');
        expectThrowsClean(() => a.add(b), T.ShapeError, 'add', '[2, 3]', '[4]');
        T.dispose([a, b]);
      });

      test('matmul [2, 3] @ [4, 5]', () => {
        const a = T.zeros([2, 3], { device });
        const b = T.zeros([4, 5], { device });
        expectThrowsClean(() => T.matmul(a, b), T.ShapeError, 'matmul', '[2, 3]', '[4, 5]');
        // Batch dims that do not broadcast.
        const c = T.zeros([2, 2, 3], { device });
        const d = T.zeros([3, 3, 5], { device });
        expectThrowsClean(() => T.matmul(c, d), T.ShapeError, 'matmul', '[2]', '[3]');
        T.dispose([a, b, c, d]);
      });

      test('concat of [2, 3] and [3, 4] along dim 0', () => {
        const a = T.zeros([2, 3], { device });
        const b = T.zeros([3, 4], { device });
        expectThrowsClean(() => T.concat([a, b], 0), T.ShapeError, 'concat', '[2, 3]', '[3, 4]');
        expectThrowsClean(() => T.stack([a, b]), T.ShapeError, 'stack', '[2, 3]', '[3, 4]');
        T.dispose([a, b]);
      });

      test('reshape [2, 3] to a wrong size', () => {
        const a = T.zeros([2, 3], { device });
        expectThrowsClean(() => a.reshape(4), T.ShapeError, 'reshape', '[2, 3]', '[4]');
        expectThrowsClean(() => a.reshape([4, -1]), T.ShapeError, 'reshape', '[2, 3]', '[4, -1]');
        expectThrowsClean(() => T.view(a, [7]), T.ShapeError, 'view', '[2, 3]', '[7]');
        a.dispose();
      });
    });

    describe('bad axis: AxisError', () => {
      test('sum over dim 5 of a 2-D tensor', () => {
        const a = T.zeros([2, 3], { device });
        expectThrowsClean(() => T.sum(a, 5), T.AxisError, 'sum', 'axis 5', '2 dimensions');
        expectThrowsClean(() => a.mean([0, 2]), T.AxisError, 'mean', 'axis 2', '2 dimensions');
        a.dispose();
      });

      test('softmax over dim -3 of a 2-D tensor', () => {
        const a = T.zeros([2, 3], { device });
        expectThrowsClean(() => T.softmax(a, -3), T.AxisError, 'softmax', 'axis -3', '2 dimensions');
        expectThrowsClean(() => a.logSoftmax(2), T.AxisError, 'logSoftmax', 'axis 2');
        a.dispose();
      });
    });

    describe('dtype mismatch: DTypeError', () => {
      test('gather with a float index', () => {
        const x = T.zeros([2, 3], { device });
        const idx = T.zeros([2, 1], { device });
        expectThrowsClean(() => T.gather(x, 1, idx), T.DTypeError, 'gather', 'int32', 'float32');
        const idx1 = T.zeros([1], { device });
        expectThrowsClean(() => T.indexSelect(x, 0, idx1), T.DTypeError, 'indexSelect', 'float32');
        expectThrowsClean(() => T.embedding(x, idx1), T.DTypeError, 'embedding', 'float32');
        T.dispose([x, idx, idx1]);
      });

      test('matmul of bool', () => {
        const a = T.full([2, 2], true, { device });
        const b = T.ones([2, 2], { device });
        expectThrowsClean(() => T.matmul(a, b), T.DTypeError, 'matmul', 'bool');
        T.dispose([a, b]);
      });
    });

    describe('index out of range: IndexError', () => {
      test('index and select with a too-large index, narrow past the end', () => {
        const x = T.zeros([2, 3], { device });
        expectThrowsClean(() => x.index(2), T.IndexError, 'index', 'index 2', 'size 2');
        expectThrowsClean(() => x.index(null, -4), T.IndexError, 'index', 'index -4', 'size 3');
        expectThrowsClean(() => x.select(1, 3), T.IndexError, 'select', 'index 3', 'size 3');
        expectThrowsClean(() => T.select(x, 0, 5), T.IndexError, 'select', 'index 5', 'size 2');
        expectThrowsClean(() => x.narrow(1, 2, 2), T.IndexError, 'narrow', 'start 2', 'length 2', 'size 3');
        x.dispose();
      });

      /**
       * An op whose index is out of range. cpu raises at once. webgpu finds it in the kernel: the
       * op returns, the next read of ANY tensor rejects, and the read after that succeeds.
       */
      async function expectIndexError(op: string, value: number, size: number, run: () => Tensor): Promise<void> {
        if (device.name === 'cpu') {
          expectThrowsClean(run, T.IndexError, `${op}:`, `index ${value}`, `size ${size}`);
          return;
        }
        const bystander = T.tensor([7, 8], { device });
        const out = run();
        await expectRejects(bystander.data(), T.IndexError, `${op}:`, `index ${value}`, `size ${size}`);
        // The error state was cleared: the same reads now succeed.
        expect(Array.from(await bystander.data())).toEqual([7, 8]);
        await out.data();
        T.dispose([bystander, out]);
      }

      test('gather', async () => {
        const x = T.tensor([[1, 2, 3], [4, 5, 6]], { device });
        const good = int([2, 0], device, [2, 1]);
        expect(await T.gather(x, 1, good).array()).toEqual([[3], [4]]);
        const bad = int([1, 3], device, [2, 1]);
        await expectIndexError('gather', 3, 3, () => T.gather(x, 1, bad));
        const neg = int([-4, 0], device, [2, 1]);
        await expectIndexError('gather', -4, 3, () => T.gather(x, 1, neg));
        T.dispose([x, good, bad, neg]);
      });

      test('indexSelect', async () => {
        const x = T.tensor([[1, 2, 3], [4, 5, 6]], { device });
        const bad = int([0, 2], device);
        await expectIndexError('indexSelect', 2, 2, () => T.indexSelect(x, 0, bad));
        T.dispose([x, bad]);
      });

      test('embedding', async () => {
        const w = T.tensor([[1, 2], [3, 4], [5, 6]], { device });
        const bad = int([0, 1, 2, 9], device, [2, 2]);
        await expectIndexError('embedding', 9, 3, () => T.embedding(w, bad));
        T.dispose([w, bad]);
      });

      test('oneHot', async () => {
        const ok = int([0, 2], device);
        expect(await T.oneHot(ok, 3).array()).toEqual([[1, 0, 0], [0, 0, 1]]);
        const bad = int([1, 4], device);
        await expectIndexError('oneHot', 4, 3, () => T.oneHot(bad, 3));
        T.dispose([ok, bad]);
      });

      test('scatterAdd', async () => {
        const x = T.zeros([2, 3], { device });
        const src = T.ones([2, 2], { device });
        const bad = int([0, 1, 2, 5], device, [2, 2]);
        await expectIndexError('scatterAdd', 5, 3, () => T.scatterAdd(x, 1, bad, src));
        T.dispose([x, src, bad]);
      });
    });

    describe('use after dispose: DisposedError', () => {
      test('ops, methods and reads name the op', async () => {
        const x = T.ones([2, 3], { device });
        const y = T.ones([3, 2], { device });
        x.dispose();
        expect(x.isDisposed).toBe(true);
        expectThrowsClean(() => T.add(x, 1), T.DisposedError, 'add', '[2, 3]', 'dispose');
        expectThrowsClean(() => y.add(x), T.DisposedError, 'add');
        expectThrowsClean(() => T.matmul(x, y), T.DisposedError, 'matmul', '[2, 3]');
        expectThrowsClean(() => x.sum(), T.DisposedError, 'sum');
        expectThrowsClean(() => T.softmax(x, -1), T.DisposedError, 'softmax');
        expectThrowsClean(() => x.reshape(6), T.DisposedError, 'reshape');
        expectThrowsClean(() => x.index(0), T.DisposedError, 'index');
        expectThrowsClean(() => T.gather(y, 0, x), T.DisposedError, 'gather');
        await expectRejects(x.data(), T.DisposedError, 'data', '[2, 3]');
        y.dispose();
      });
    });

    test('float64: DTypeError on webgpu, supported on cpu', async () => {
      const data = Float64Array.from([0.1, 1e-300, 1 + 2 ** -40]);
      if (!device.supportsDType('float64')) {
        expectThrowsClean(() => T.tensor(data, { device }), T.DTypeError, 'tensor', 'float64', 'webgpu');
        expectThrowsClean(() => T.tensor([1, 2], { dtype: 'float64', device }), T.DTypeError, 'tensor', 'float64');
        expectThrowsClean(() => T.zeros([2], { dtype: 'float64', device }), T.DTypeError, 'zeros', 'float64');
        const f = T.ones([2], { device });
        expectThrowsClean(() => f.double(), T.DTypeError, 'cast', 'float64');
        f.dispose();
        const onCpu = T.tensor(data, { device: cpu });
        await expectRejects(onCpu.to(device), T.DTypeError, 'to', 'float64');
        onCpu.dispose();
      } else {
        const t = T.tensor(data, { device });
        expect(t.dtype).toBe('float64');
        expect(Array.from(await t.data())).toEqual(Array.from(data));
        t.dispose();
      }
    });

    describe('data that does not fit the shape: DataError', () => {
      test('length does not match the shape', () => {
        expectThrowsClean(() => T.tensor(new Float32Array(5), { shape: [2, 3], device }), T.DataError, 'tensor', '5 values', '[2, 3]');
        expectThrowsClean(() => T.tensor([1, 2, 3], { shape: [2, 2], device }), T.DataError, 'tensor', '3 values', '[2, 2]');
      });

      test('ragged nested arrays', () => {
        expectThrowsClean(() => T.tensor([[1, 2], [3]], { device }), T.DataError, 'tensor', 'ragged', '[2, 2]');
        expectThrowsClean(() => T.tensor([[1, 2], 3] as never, { device }), T.DataError, 'tensor', 'ragged');
        expectThrowsClean(() => T.tensor([1, [2]] as never, { device }), T.DataError, 'tensor', 'depth 1');
        expectThrowsClean(() => T.tensor([[[1], [2]], [[3], [4, 5]]], { device }), T.DataError, 'tensor', 'ragged', '[2, 2, 1]');
      });
    });

    describe('OutOfMemoryError', () => {
      test('an allocation beyond the backend limit raises at once and leaves the backend usable', async () => {
        if (device.name === 'webgpu') {
          const limit = (device as T.WebGPUBackend).device.limits.maxStorageBufferBindingSize;
          expect(4e9).toBeGreaterThan(limit);
          expectThrowsClean(() => T.zeros([1e9], { device }), T.OutOfMemoryError, 'zeros', '1000000000', String(limit));
        } else {
          expectThrowsClean(() => T.zeros([2 ** 31], { device }), T.OutOfMemoryError, 'zeros', String(2 ** 31));
        }
        // An op whose output is too large: an expanded scalar made contiguous (2^32 elements).
        const s = T.zeros([1, 1], { device });
        const big = s.expand([2 ** 16, 2 ** 16]);
        expectThrowsClean(() => big.contiguous(), T.OutOfMemoryError, 'contiguous');
        T.dispose([s, big]);
        // Nothing was left half-done: the backend still computes and reads.
        const t = T.tensor([1, 2, 3], { device });
        expect(Array.from(await t.mul(2).data())).toEqual([2, 4, 6]);
        t.dispose();
      });
    });
  });
}

describe('backend selection: BackendError', () => {
  test('unknown names for setBackend, initBackend and the device option', async () => {
    const current = T.getBackend();
    await expectRejects(T.setBackend('tpu'), T.BackendError, 'setBackend', 'tpu');
    await expectRejects(T.initBackend('tpu' as never), T.BackendError, 'initBackend', 'tpu');
    expect(T.getBackend()).toBe(current);
    expectThrowsClean(() => T.tensor([1, 2], { device: 'tpu' }), T.BackendError, 'tensor', 'tpu');
    expectThrowsClean(() => T.zeros([2], { device: 'tpu' }), T.BackendError, 'zeros', 'tpu');
    expectThrowsClean(() => T.arange(3, undefined, 1, { device: 'gpu' }), T.BackendError, 'arange', 'gpu');
    expectThrowsClean(() => T.rand([2], { device: 'tpu' }), T.BackendError, 'rand', 'tpu');
    expectThrowsClean(() => T.backendByName('tpu'), T.BackendError, 'tpu');
  });

  test('the cpu backend is one object however it is reached', async () => {
    // `cpu` came from initBackend before anything asked for the default backend.
    expect(T.getBackend()).toBe(cpu);
    expect(await T.initBackend('cpu')).toBe(cpu);
    expect(T.backendByName('cpu')).toBe(cpu);
    // A default-device tensor and one made on that backend mix without a DeviceMismatchError.
    const a = T.tensor([1, 2]);
    const b = T.tensor([3, 4], { device: cpu });
    const c = T.tensor([5, 6], { device: 'cpu' });
    expect(Array.from(await T.add(T.add(a, b), c).data())).toEqual([9, 12]);
    T.dispose([a, b, c]);
  });
});

describe.skipIf(!gpu)('webgpu and cpu together', () => {
  test('mixing tensors of two backends: DeviceMismatchError', () => {
    const a = T.ones([2, 2], { device: cpu });
    const b = T.ones([2, 2], { device: gpu! });
    expectThrowsClean(() => T.add(a, b), T.DeviceMismatchError, 'add', 'cpu', 'webgpu');
    expectThrowsClean(() => b.mul(a), T.DeviceMismatchError, 'mul', 'webgpu', 'cpu');
    expectThrowsClean(() => T.matmul(a, b), T.DeviceMismatchError, 'matmul');
    expectThrowsClean(() => T.concat([a, b]), T.DeviceMismatchError, 'concat');
    const cond = T.gt(b, 0);
    expectThrowsClean(() => T.where(cond, a, 0), T.DeviceMismatchError, 'where');
    const idx = T.tensor(Int32Array.from([0, 1]), { device: gpu!, shape: [1, 2] });
    expectThrowsClean(() => T.gather(a, 0, idx), T.DeviceMismatchError, 'gather');
    T.dispose([a, b, idx, cond]);
  });

  test(
    'device loss: later ops and reads raise DeviceLostError; the global backends are untouched',
    async () => {
      const lost = await T.WebGPUBackend.create();
      expect(lost).not.toBe(gpu);
      const t = T.tensor([1, 2], { device: lost });
      expect(Array.from(await t.data())).toEqual([1, 2]);
      // memory() sums over every backend, including a second one of the same kind.
      const m = T.memory();
      expect(Object.values(m.backends).reduce((s, b) => s + b.bytesInUse, 0)).toBe(m.bytesInUse);

      lost.device.destroy();
      const info = await lost.device.lost;
      expect(info.reason).toBe('destroyed');

      expectThrows(() => t.add(1), T.DeviceLostError, 'lost');
      expectThrows(() => T.tensor([3], { device: lost }), T.DeviceLostError, 'lost');
      await expectRejects(t.data(), T.DeviceLostError, 'lost');
      // Still lost on a second try: the state does not clear itself.
      await expectRejects(t.data(), T.DeviceLostError, 'lost');
      t.dispose();

      // The global webgpu backend still works.
      const g = T.tensor([5, 6], { device: gpu! });
      expect(Array.from(await g.add(1).data())).toEqual([6, 7]);
      g.dispose();
    },
    30_000,
  );
});
