import type { SplitArrays } from './fashion.js';

/** Bumped whenever the cache layout or a split definition changes; older files are rebuilt. */
export const CACHE_VERSION = 1;
const MAGIC = 'NLDSIMG\0';
const HEADER = 96;

/** Both splits of a dataset, as stored in one cache file. */
export interface CachedDataset {
  readonly rows: number;
  readonly cols: number;
  readonly train: SplitArrays;
  readonly test: SplitArrays;
}

/**
 * The cache file layout (little-endian): 0 magic 'NLDSIMG\0'; 8 u32 version; 12 u32 rows;
 * 16 u32 cols; 20 u32 train count; 24 u32 test count; 28 u32 reserved (0); 32 the 32-byte
 * digest of the source files; 64 the 32-byte digest of the payload; 96 the payload: train
 * images, train labels, test images, test labels.
 */
export function encodeCache(d: CachedDataset, sourceDigest: Uint8Array, digest: (b: Uint8Array) => Uint8Array): Uint8Array {
  const size = d.rows * d.cols;
  const nTrain = d.train.labels.length;
  const nTest = d.test.labels.length;
  const out = new Uint8Array(HEADER + (nTrain + nTest) * (size + 1));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, CACHE_VERSION, true);
  view.setUint32(12, d.rows, true);
  view.setUint32(16, d.cols, true);
  view.setUint32(20, nTrain, true);
  view.setUint32(24, nTest, true);
  out.set(sourceDigest.subarray(0, 32), 32);
  let o = HEADER;
  for (const part of [d.train.images, d.train.labels, d.test.images, d.test.labels]) {
    out.set(part, o);
    o += part.length;
  }
  out.set(digest(out.subarray(HEADER)).subarray(0, 32), 64);
  return out;
}

/**
 * Reads a cache file written by {@link encodeCache}; undefined when it is not one, has another
 * version, was built from other sources (`sourceDigest` differs) or is corrupt (payload digest
 * or length differs): the caller then rebuilds it.
 */
export function decodeCache(bytes: Uint8Array, sourceDigest: Uint8Array, digest: (b: Uint8Array) => Uint8Array): CachedDataset | undefined {
  if (bytes.length < HEADER) return undefined;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(8, true) !== CACHE_VERSION) return undefined;
  const rows = view.getUint32(12, true);
  const cols = view.getUint32(16, true);
  const nTrain = view.getUint32(20, true);
  const nTest = view.getUint32(24, true);
  const size = rows * cols;
  if (bytes.length !== HEADER + (nTrain + nTest) * (size + 1)) return undefined;
  if (!equalBytes(bytes.subarray(32, 64), sourceDigest)) return undefined;
  const payload = bytes.subarray(HEADER);
  if (!equalBytes(bytes.subarray(64, 96), digest(payload))) return undefined;
  let o = 0;
  const take = (n: number): Uint8Array => payload.subarray(o, (o += n));
  const train = { images: take(nTrain * size), labels: take(nTrain) };
  const test = { images: take(nTest * size), labels: take(nTest) };
  return { rows, cols, train, test };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

