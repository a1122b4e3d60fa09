/**
 * Seeded pseudo-random numbers for the rate fits and the MLE sweeps: plain JavaScript, the same
 * stream in Node and in browsers, with no backend involved (the sweeps run in f64 on the CPU).
 */

/**
 * mulberry32: a 32-bit generator (one uint32 of state) giving floats in [0, 1). Small and fast;
 * its period (2^32) is far beyond the draws of one bootstrap or one simulated data set.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uint32 seed derived from any list of parts (strings, numbers) by FNV-1a over their JSON text,
 * then a murmur3 finaliser so nearby keys give unrelated seeds. Used to seed each
 * (setting, n, replication) cell of a sweep on its own, so one cell can be recomputed alone.
 */
export function deriveSeed(...parts: readonly (string | number)[]): number {
  const text = JSON.stringify(parts);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A standard normal draw from a uniform generator (Box-Muller; one of the pair is discarded, for simplicity). */
export function normalFrom(rand: () => number): number {
  let u = rand();
  while (u <= 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
