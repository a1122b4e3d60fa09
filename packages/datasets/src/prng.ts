/**
 * mulberry32: a tiny 32-bit PRNG (one uint32 of state). Returns a function giving floats in
 * [0, 1) as `uint32 / 2^32`. Used for every shuffle in this package so orders are reproducible
 * across platforms and versions of JavaScript engines.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher-Yates shuffle in place: for i from n-1 down to 1, swap a[i] with a[j],
 * j = floor(rng() * (i + 1)).
 */
export function shuffleInPlace(a: Uint32Array, rng: () => number): Uint32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/**
 * A seeded permutation of 0..n-1: the identity shuffled by {@link shuffleInPlace} with
 * `mulberry32(seed)`.
 */
export function permutation(n: number, seed: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return shuffleInPlace(a, mulberry32(seed));
}
