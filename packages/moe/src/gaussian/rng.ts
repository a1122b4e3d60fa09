import * as T from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';

/**
 * Seeded draws for the Gaussian MoE, from the tensor package's counter-based generator
 * (Philox4x32-10) on the cpu backend in float64: the same seed gives the same numbers on every
 * machine. The global generator state is saved and restored around each use, so sampling
 * never shifts the stream of a caller that seeded it.
 */
export function withSeed<R>(op: string, seed: number, fn: (draw: SeededDraws) => R): R {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ValueError(`${op}: seed must be a non-negative safe integer, got ${seed}`);
  const saved = T.getRngState();
  T.manualSeed(seed);
  try {
    return fn(draws);
  } finally {
    T.setRngState(saved);
  }
}

/** The draws available inside {@link withSeed}; each call advances the generator's counter. */
export interface SeededDraws {
  /** count values uniform on [0, 1) (24 random bits each). */
  uniform(count: number): Float64Array;
  /** count standard normal values (Box-Muller). */
  normal(count: number): Float64Array;
}

function read(t: T.Tensor): Float64Array {
  try {
    return Float64Array.from(t.dataSync());
  } finally {
    t.dispose();
  }
}

const draws: SeededDraws = {
  uniform: (count) => read(T.rand([count], { device: 'cpu', dtype: 'float64' })),
  normal: (count) => read(T.randn([count], { device: 'cpu', dtype: 'float64' })),
};
