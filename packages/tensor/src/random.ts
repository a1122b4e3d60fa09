import type { DType } from './dtype.js';
import { isFloat } from './dtype.js';
import { DTypeError, ValueError } from './errors.js';
import { seedKey } from './backend/philox.js';
import { checkShape } from './shape.js';
import type { Tensor } from './tensor.js';
import { empty, runKernel, viewOf } from './ops/core.js';
import { finish, resolveDevice, type CreationOptions } from './ops/creation.js';

/**
 * The global generator: a seed and a call counter. Every random op draws Philox blocks at
 * counter (element index, call number), so a seed gives the same numbers on cpu and webgpu
 * and no state lives on the device.
 */
let key: [number, number] = seedKey(0x5eed);
let calls = 0;

/** Seeds the generator (like torch.manual_seed). */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) throw new ValueError(`manualSeed: seed must be a finite number, got ${seed}`);
  key = seedKey(seed);
  calls = 0;
}

/** The generator state, to save and restore for exact reproducibility. */
export function getRngState(): {
  /** The Philox key derived from the seed (two uint32 words). */
  key: [number, number];
  /** Random ops drawn since the seed; the counter of the next draw. */
  calls: number;
} {
  return { key: [...key], calls };
}

/** Restores a state from {@link getRngState}: the following draws repeat exactly. */
export function setRngState(state: { key: readonly [number, number]; calls: number }): void {
  key = [state.key[0] >>> 0, state.key[1] >>> 0];
  calls = state.calls;
}

function draw(op: string, dist: 'uniform' | 'normal' | 'randint', shape: readonly number[] | number, options: CreationOptions, dflt: DType, scalars: number[]): Tensor {
  const backend = resolveDevice(options.device, op);
  const dtype = options.dtype ?? dflt;
  if (dist !== 'randint' && !isFloat(dtype)) throw new DTypeError(`${op}: dtype must be a float type, got ${dtype}`);
  if (dist === 'randint' && dtype !== 'int32') throw new DTypeError(`${op}: dtype must be int32, got ${dtype}`);
  const s = checkShape(op, typeof shape === 'number' ? [shape] : shape);
  const out = empty(op, backend, s, dtype);
  runKernel(backend, { kind: 'random', dist, seed: key, offset: calls++ }, [], [viewOf(out)], scalars);
  return finish(out, options);
}

/** Uniform on [low, high) (default [0, 1)), 24 random bits per value. */
export function rand(shape: readonly number[] | number, options: CreationOptions & { low?: number; high?: number } = {}): Tensor {
  return draw('rand', 'uniform', shape, options, 'float32', [options.low ?? 0, options.high ?? 1]);
}

/** Normal with the given mean and std (default 0, 1), by Box-Muller. */
export function randn(shape: readonly number[] | number, options: CreationOptions & { mean?: number; std?: number } = {}): Tensor {
  return draw('randn', 'normal', shape, options, 'float32', [options.mean ?? 0, options.std ?? 1]);
}

/** Integers uniform on [low, high). */
export function randint(low: number, high: number, shape: readonly number[] | number, options: CreationOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 2 ** 32 - 1) {
    throw new ValueError(`randint: need integers low < high with high - low < 2^32, got [${low}, ${high})`);
  }
  return draw('randint', 'randint', shape, options, 'int32', [low, high - low]);
}
