export { DatasetError } from './errors.js';
export { type ImageDataset, type Split, subset } from './dataset.js';
export { batches, type Batch, type BatchOptions } from './batches.js';
export { mulberry32, shuffleInPlace, permutation } from './prng.js';
export { parseIdx, encodeIdx, type IdxArray } from './idx.js';
export { parseFashionClass, fashionMnistSplit, FASHION_MNIST_SPLIT_SEED, type SplitArrays, type TrainTest } from './fashion.js';
export { loadMnist, loadFashionMnist, defaultCacheDir, MNIST_FILES, type LoadOptions } from './load.js';
