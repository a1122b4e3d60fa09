import { tensor, ValueError, type Backend, type Tensor } from '@nonlinear/tensor';
import type { ImageDataset } from './dataset.js';
import { permutation } from './prng.js';

/** Options of {@link batches}. */
export interface BatchOptions {
  /** Images per batch (a positive integer). */
  batchSize: number;
  /** Visit the images in a seeded random order; false (the dataset's order) unless given. */
  shuffle?: boolean;
  /** Seed of the shuffle (Fisher-Yates with mulberry32); 0 unless given. Vary it per epoch. */
  seed?: number;
  /** Backend of the yielded tensors ('cpu', 'webgpu' or a backend); the current one unless given. */
  device?: string | Backend;
  /** Pixel scaling: '[0,1]' is v / 255 (the default), '[-1,1]' is v / 127.5 - 1, 'none' keeps 0..255. */
  normalize?: '[-1,1]' | '[0,1]' | 'none';
  /** x of shape [B, rows * cols] (the default) or, when false, [B, rows, cols]. */
  flatten?: boolean;
  /** Skip the last batch when it has fewer than batchSize images; false unless given. */
  dropLast?: boolean;
}

/** One batch: float32 images and int32 labels on the requested backend. */
export interface Batch {
  /** Images, float32, [B, rows * cols] (or [B, rows, cols] without flatten). */
  x: Tensor;
  /** Class indices, int32, [B]. */
  y: Tensor;
}

/**
 * Iterates over `dataset` in batches. The order is the dataset's, or with `shuffle` a seeded
 * permutation (so the same seed gives the same batches). The yielded tensors belong to the
 * caller: dispose them when done with a batch.
 */
export function* batches(dataset: ImageDataset, options: BatchOptions): Generator<Batch, void, undefined> {
  const { batchSize, shuffle = false, seed = 0, device, normalize = '[0,1]', flatten = true, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ValueError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  if (normalize !== '[0,1]' && normalize !== '[-1,1]' && normalize !== 'none') {
    throw new ValueError(`batches: normalize must be '[-1,1]', '[0,1]' or 'none', got '${String(normalize)}'`);
  }
  const [rows, cols] = dataset.shape;
  const size = rows * cols;
  const divisor = normalize === '[0,1]' ? 255 : normalize === '[-1,1]' ? 127.5 : 1;
  const shift = normalize === '[-1,1]' ? -1 : 0;
  const order = shuffle ? permutation(dataset.count, seed) : undefined;
  for (let start = 0; start < dataset.count; start += batchSize) {
    const b = Math.min(batchSize, dataset.count - start);
    if (b < batchSize && dropLast) return;
    const x = new Float32Array(b * size);
    const y = new Int32Array(b);
    for (let k = 0; k < b; k++) {
      const i = order ? order[start + k]! : start + k;
      const src = dataset.images.subarray(i * size, (i + 1) * size);
      const o = k * size;
      for (let p = 0; p < size; p++) x[o + p] = src[p]! / divisor + shift;
      y[k] = dataset.labels[i]!;
    }
    const xt = tensor(x, { shape: flatten ? [b, size] : [b, rows, cols], device });
    const yt = tensor(y, { shape: [b], device });
    yield { x: xt, y: yt };
  }
}
