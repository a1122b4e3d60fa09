import { describe, expect, test } from 'vitest';
import { DatasetError, encodeIdx, fashionMnistSplit, mulberry32, parseFashionClass, parseIdx, permutation } from './index.js';
import { decodeCache, encodeCache } from './cache.js';
import { idxImagesAndLabels } from './idx.js';
import { createHash } from 'node:crypto';
import { fashionJson } from './test-util/synthetic.js';

const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();

describe('prng', () => {
  test('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // pinned: a change of the generator would silently change every split and shuffle
    expect(mulberry32(0)()).toBeCloseTo(0.26642920868471265, 15);
  });
  test('permutation is a seeded permutation', () => {
    const p = permutation(100, 7);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(permutation(100, 7)).toEqual(p);
    expect(permutation(100, 8)).not.toEqual(p);
  });
});

describe('IDX', () => {
  test('round trip', () => {
    const data = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => i % 256);
    const parsed = parseIdx(encodeIdx([2, 28, 28], data), 'imgs');
    expect(parsed.dims).toEqual([2, 28, 28]);
    expect(parsed.data).toEqual(data);
  });
  test('malformed files raise DatasetError naming the file', () => {
    const good = encodeIdx([3], new Uint8Array([1, 2, 3]));
    expect(() => parseIdx(good.subarray(0, 9), '/x/labels')).toThrow(/\/x\/labels: IDX header says dims \[3\]/);
    const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]);
    expect(() => parseIdx(gz, 'f.gz')).toThrow(DatasetError);
    expect(() => parseIdx(gz, 'f.gz')).toThrow(/f\.gz: not an IDX file.*gzip/);
    const floats = encodeIdx([1], new Uint8Array([0]));
    floats[2] = 0x0d;
    expect(() => parseIdx(floats, 'f')).toThrow(/element type 0x0d/);
    const imgs = parseIdx(encodeIdx([1, 28, 28], new Uint8Array(784)), 'i');
    expect(() => idxImagesAndLabels(imgs, 'i', parseIdx(encodeIdx([1], new Uint8Array([10])), 'l'), 'l')).toThrow(/l: label 10 at index 0/);
    expect(() => idxImagesAndLabels(imgs, 'i', parseIdx(encodeIdx([2], new Uint8Array([1, 2])), 'l'), 'l')).toThrow(/2 labels for 1 images/);
  });
});

describe('Fashion-MNIST', () => {
  test('parse skips empty entries and checks the rest', () => {
    const bytes = parseFashionClass(fashionJson(3, 5, [[]]), 'c3');
    expect(bytes.length).toBe(5 * 784);
    expect(bytes[4 * 784 + 1]).toBe(4);
    expect(() => parseFashionClass('{"data": [[1, 2]]}', '/p/3.json')).toThrow(/\/p\/3\.json: image 0 is not an array of 784 pixels \(length 2\)/);
    const bad = JSON.parse(fashionJson(1, 2)) as { data: number[][] };
    bad.data[1]![5] = 256;
    expect(() => parseFashionClass(JSON.stringify(bad), 'b.json')).toThrow(/b\.json: image 1, pixel 5 is 256/);
    expect(() => parseFashionClass('{"data": [', 't.json')).toThrow(/t\.json: not valid JSON/);
    expect(() => parseFashionClass('[]', 'u.json')).toThrow(DatasetError);
  });
  test('the split is stratified, disjoint, complete and deterministic', () => {
    const classes = Array.from({ length: 10 }, (_, c) => parseFashionClass(fashionJson(c, 14), `${c}.json`));
    const { train, test: held } = fashionMnistSplit(classes);
    expect(train.labels.length).toBe(120);
    expect(held.labels.length).toBe(20);
    const seen = new Set<string>();
    for (const part of [train, held]) {
      const perClass = new Array(10).fill(0);
      for (let j = 0; j < part.labels.length; j++) {
        const c = part.labels[j]!;
        expect(part.images[j * 784]).toBe(c); // the label travels with its image
        seen.add(`${c}:${part.images[j * 784 + 1]}`);
        perClass[c]++;
      }
      expect(perClass).toEqual(new Array(10).fill(part === train ? 12 : 2));
    }
    expect(seen.size).toBe(140);
    expect([...train.labels]).not.toEqual([...train.labels].sort((a, b) => a - b));
    const again = fashionMnistSplit(classes);
    expect(again.train.images).toEqual(train.images);
    expect(again.test.labels).toEqual(held.labels);
    expect(fashionMnistSplit(classes, 1).test.images).not.toEqual(held.images);
  });
});

describe('cache format', () => {
  const d = {
    rows: 2,
    cols: 2,
    train: { images: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), labels: new Uint8Array([0, 1]) },
    test: { images: new Uint8Array([9, 9, 9, 9]), labels: new Uint8Array([7]) },
  };
  const src = sha256(new Uint8Array([1]));
  test('round trip, and rejects other sources, corrupt payloads and truncation', () => {
    const bytes = encodeCache(d, src, sha256);
    const back = decodeCache(bytes, src, sha256)!;
    expect(back.train.images).toEqual(d.train.images);
    expect(back.test.labels).toEqual(d.test.labels);
    expect(decodeCache(bytes, sha256(new Uint8Array([2])), sha256)).toBeUndefined();
    const flipped = bytes.slice();
    flipped[100] ^= 1;
    expect(decodeCache(flipped, src, sha256)).toBeUndefined();
    expect(decodeCache(bytes.subarray(0, bytes.length - 1), src, sha256)).toBeUndefined();
    expect(decodeCache(bytes.subarray(0, 50), src, sha256)).toBeUndefined();
  });
});
