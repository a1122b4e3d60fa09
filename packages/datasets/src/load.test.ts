import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DatasetError, encodeIdx, loadFashionMnist, loadMnist, MNIST_FILES } from './index.js';
import { resolvePackageDir } from './load.js';
import { fashionJson } from './test-util/synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'nonlinear-datasets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function syntheticMnist(dir: string, nTrain: number, nTest: number): void {
  mkdirSync(dir, { recursive: true });
  const images = (n: number, salt: number) => encodeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7 + salt) % 256));
  const labels = (n: number) => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10));
  writeFileSync(join(dir, MNIST_FILES[0]), images(nTrain, 1));
  writeFileSync(join(dir, MNIST_FILES[1]), labels(nTrain));
  writeFileSync(join(dir, MNIST_FILES[2]), images(nTest, 2));
  writeFileSync(join(dir, MNIST_FILES[3]), labels(nTest));
}

describe('loaders on synthetic sources', () => {
  test('MNIST: parse, cache, reuse, rebuild when stale or corrupt', async () => {
    const sourceDir = join(root, 'mnist-src');
    const cacheDir = join(root, 'cache1');
    syntheticMnist(sourceDir, 30, 10);
    const train = await loadMnist({ sourceDir, cacheDir });
    expect(train).toMatchObject({ name: 'mnist', split: 'train', count: 30, shape: [28, 28], numClasses: 10 });
    expect(train.images.length).toBe(30 * 784);
    expect(train.images[5]).toBe(36);
    expect([...train.labels.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const cacheFile = join(cacheDir, 'mnist-v1.bin');
    expect(statSync(cacheFile).size).toBe(96 + 40 * 785);
    expect(readdirSync(cacheDir)).toEqual(['mnist-v1.bin']); // no temp file left

    // a corrupt cache is rebuilt
    const bytes = readFileSync(cacheFile);
    bytes[200] = bytes[200]! ^ 0xff;
    writeFileSync(cacheFile, bytes);
    const test1 = await loadMnist({ sourceDir, cacheDir, split: 'test' });
    expect(test1.count).toBe(10);
    expect(test1.images[0]).toBe(2);
    expect(readFileSync(cacheFile)[200]).toBe(bytes[200]! ^ 0xff);
    writeFileSync(cacheFile, bytes.subarray(0, 50));
    expect((await loadMnist({ sourceDir, cacheDir })).images).toEqual(train.images);

    // a stale cache (the sources changed) is rebuilt
    syntheticMnist(sourceDir, 20, 10);
    expect((await loadMnist({ sourceDir, cacheDir })).count).toBe(20);
    expect(statSync(cacheFile).size).toBe(96 + 30 * 785);
  });

  test('MNIST: a corrupt source raises DatasetError naming the file', async () => {
    const sourceDir = join(root, 'mnist-bad');
    syntheticMnist(sourceDir, 4, 2);
    const file = join(sourceDir, MNIST_FILES[1]);
    writeFileSync(file, readFileSync(file).subarray(0, 10));
    await expect(loadMnist({ sourceDir, noCache: true })).rejects.toThrow(DatasetError);
    await expect(loadMnist({ sourceDir, noCache: true })).rejects.toThrow(`${file}: IDX header says dims [4]`);
    rmSync(file);
    await expect(loadMnist({ sourceDir, noCache: true })).rejects.toThrow(`loadMnist: cannot read ${file}`);
  });

  test('Fashion-MNIST: split and cache', async () => {
    const sourceDir = join(root, 'fashion-src');
    mkdirSync(sourceDir);
    for (let c = 0; c < 10; c++) writeFileSync(join(sourceDir, `${c}.json`), fashionJson(c, 7, c === 0 ? [[]] : []));
    const cacheDir = join(root, 'cache2');
    const train = await loadFashionMnist({ sourceDir, cacheDir });
    const held = await loadFashionMnist({ sourceDir, cacheDir, split: 'test' });
    expect([train.count, held.count]).toEqual([60, 10]);
    expect(statSync(join(cacheDir, 'fashion-mnist-v1.bin')).size).toBe(96 + 70 * 785);
    const fresh = await loadFashionMnist({ sourceDir, noCache: true });
    expect(fresh.images).toEqual(train.images);
    writeFileSync(join(sourceDir, '4.json'), '{"data": [[1]]}');
    await expect(loadFashionMnist({ sourceDir, cacheDir })).rejects.toThrow(`${join(sourceDir, '4.json')}: image 0 is not an array of 784 pixels`);
  });

  test('outside Node the loaders stop with a DatasetError that says why', async () => {
    const versions = process.versions;
    // What a browser bundle sees: no Node version (process itself is absent there).
    Object.defineProperty(process, 'versions', { value: {}, configurable: true });
    try {
      await expect(loadMnist()).rejects.toThrow(DatasetError);
      await expect(loadMnist()).rejects.toThrow('loadMnist: loading from the data packages needs Node');
      await expect(loadFashionMnist()).rejects.toThrow('loadFashionMnist: loading from the data packages needs Node');
    } finally {
      Object.defineProperty(process, 'versions', { value: versions, configurable: true });
    }
  });

  test('a missing data package says what to install', async () => {
    await expect(resolvePackageDir('no-such-data-package-xyz', 'loadMnist')).rejects.toThrow(
      /loadMnist: the data package 'no-such-data-package-xyz' is not installed.*npm install no-such-data-package-xyz/,
    );
  });
});

// The real data (installed as dev dependencies here and in apps/bench). About 0.3 s with a warm cache,
// a few seconds cold (parsing the 150 MB of Fashion-MNIST JSON).
describe('real MNIST and Fashion-MNIST', () => {
  const cacheDir = join(tmpdir(), 'nonlinear-datasets-test-cache');
  test('counts, labels, class balance and determinism', async () => {
    const t0 = performance.now();
    const [mTrain, mTest, fTrain, fTest] = await Promise.all([
      loadMnist({ cacheDir }),
      loadMnist({ cacheDir, split: 'test' }),
      loadFashionMnist({ cacheDir }),
      loadFashionMnist({ cacheDir, split: 'test' }),
    ]);
    const ms = performance.now() - t0;
    expect([mTrain.count, mTest.count, fTrain.count, fTest.count]).toEqual([60000, 10000, 60000, 10000]);
    for (const d of [mTrain, mTest, fTrain, fTest]) {
      expect(d.images.length).toBe(d.count * 784);
      expect(Math.max(...d.labels)).toBe(9);
    }
    const counts = (l: Uint8Array) => l.reduce((a, c) => (a[c]++, a), new Array<number>(10).fill(0));
    expect(counts(fTrain.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(fTest.labels)).toEqual(new Array(10).fill(1000));
    // the original MNIST order: the first training labels are 5 0 4 1 9, the first test labels 7 2 1 0 4
    expect([...mTrain.labels.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    expect([...mTest.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]);
    // determinism of the split: pinned labels and a checksum of the test images
    expect([...fTrain.labels.subarray(0, 10)]).toMatchSnapshot();
    expect(fTest.images.reduce((a, v, i) => (a + v * ((i % 251) + 1)) % 1_000_000_007, 0)).toMatchSnapshot();
    console.log(`real datasets loaded in ${ms.toFixed(0)} ms`);
  }, 120_000);
});
