import { ValueError } from '@nonlinear/tensor';
import { permutation } from './prng.js';

/** Which half of a dataset: the training or the held-out test images. */
export type Split = 'train' | 'test';

/**
 * Labelled grayscale images held as bytes: `images` is `count * rows * cols` pixels (0..255,
 * row-major, one image after another) and `labels` is `count` class indices.
 */
export interface ImageDataset {
  /** The dataset's name, e.g. 'mnist' or 'fashion-mnist'. */
  readonly name: string;
  /** The split these images come from. */
  readonly split: Split;
  /** Pixels, uint8, `count * shape[0] * shape[1]` of them. */
  readonly images: Uint8Array;
  /** Class indices, uint8, `count` of them, each in [0, numClasses). */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Rows and columns of one image ([28, 28] for MNIST and Fashion-MNIST). */
  readonly shape: readonly [number, number];
  /** Number of classes (10 for MNIST and Fashion-MNIST). */
  readonly numClasses: number;
}

/**
 * The first `n` images of a seeded permutation of `dataset` (Fisher-Yates with mulberry32, see
 * {@link permutation}), in that order, as a new dataset with copied bytes. For quick modes and
 * smoke tests; `n` may not exceed `dataset.count`.
 */
export function subset(dataset: ImageDataset, n: number, seed = 0): ImageDataset {
  if (!Number.isInteger(n) || n < 0 || n > dataset.count) {
    throw new ValueError(`subset: n must be an integer in [0, ${dataset.count}], got ${n}`);
  }
  const size = dataset.shape[0] * dataset.shape[1];
  const perm = permutation(dataset.count, seed);
  const images = new Uint8Array(n * size);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = perm[k]!;
    images.set(dataset.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = dataset.labels[i]!;
  }
  return { ...dataset, images, labels, count: n };
}
