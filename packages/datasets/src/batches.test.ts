import { memory, setBackend } from '@nonlinear/tensor';
import { beforeAll, describe, expect, test } from 'vitest';
import { batches, subset, type ImageDataset } from './index.js';

const n = 10;
const ds: ImageDataset = {
  name: 'toy',
  split: 'train',
  images: Uint8Array.from({ length: n * 784 }, (_, i) => (i % 784 === 0 ? Math.floor(i / 784) : i % 784 === 1 ? 255 : 0)),
  labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
  count: n,
  shape: [28, 28],
  numClasses: 10,
};

beforeAll(async () => {
  await setBackend('cpu');
});

describe('batches', () => {
  test('shapes, dtypes, normalisation and the last batch', async () => {
    const bs = [...batches(ds, { batchSize: 4, normalize: '[-1,1]' })];
    expect(bs.map((b) => b.x.shape)).toEqual([[4, 784], [4, 784], [2, 784]]);
    expect(bs[0]!.x.dtype).toBe('float32');
    expect(bs[0]!.y.dtype).toBe('int32');
    const x = await bs[2]!.x.data();
    expect([x[0], x[1], x[2]]).toEqual([Math.fround(8 / 127.5 - 1), 1, -1]);
    expect([...(await bs[2]!.y.data())]).toEqual([8, 9]);
    for (const b of bs) b.x.dispose(), b.y.dispose();
    const dropped = [...batches(ds, { batchSize: 4, dropLast: true, flatten: false, normalize: 'none' })];
    expect(dropped.map((b) => b.x.shape)).toEqual([[4, 28, 28], [4, 28, 28]]);
    expect((await dropped[0]!.x.data())[1]).toBe(255);
    for (const b of dropped) b.x.dispose(), b.y.dispose();
    const live = memory().liveTensors;
    const [b] = batches(ds, { batchSize: 10 });
    expect((await b!.x.data())[1]).toBe(1);
    b!.x.dispose();
    b!.y.dispose();
    expect(memory().liveTensors).toBe(live);
    expect(() => [...batches(ds, { batchSize: 0 })]).toThrow(/batchSize must be a positive integer/);
  });
  test('seeded shuffle: reproducible, a permutation, different per seed', async () => {
    const order = async (seed: number) => {
      const out: number[] = [];
      for (const { x, y } of batches(ds, { batchSize: 3, shuffle: true, seed })) {
        out.push(...(await y.data()));
        x.dispose();
        y.dispose();
      }
      return out;
    };
    const a = await order(1);
    expect(await order(1)).toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await order(2)).not.toEqual(a);
  });
  test('subset', () => {
    const s = subset(ds, 4, 3);
    expect(s.count).toBe(4);
    for (let k = 0; k < 4; k++) expect(s.images[k * 784]).toBe(s.labels[k]);
    expect(subset(ds, 4, 3).labels).toEqual(s.labels);
    expect(() => subset(ds, 11)).toThrow(/n must be an integer in \[0, 10\]/);
  });
});
