/**
 * Philox4x32-10 (Salmon et al., 2011), the counter-based generator behind every random op.
 * The same arithmetic is written in WGSL in the webgpu backend: element i of a call draws the
 * block at counter (i, offset, 0, 0) under the seed's key, so both backends give the same bits.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32, in 16-bit halves (as WGSL has to). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const t = aHi * bLo + ((aLo * bLo) >>> 16);
  const w1 = (t & 0xffff) + aLo * bHi;
  return (aHi * bHi + Math.floor(t / 65536) + Math.floor(w1 / 65536)) >>> 0;
}

/** Two u32 words (the first two of the block) for counter (i, offset, 0, 0) and key (k0, k1). */
export function philox2(i: number, offset: number, k0: number, k1: number): [number, number] {
  let c0 = i >>> 0;
  let c1 = offset >>> 0;
  let c2 = 0;
  let c3 = 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi32(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ key0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ key1) >>> 0;
    c3 = lo0;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  return [c0, c1];
}

/** 24 random bits as a float in [0, 1): exact in float32, so both backends agree to the bit. */
export const TWO_POW_M24 = 1 / 16777216;

/** Splits a JS number seed into the two key words. */
export function seedKey(seed: number): [number, number] {
  const s = Math.floor(Math.abs(seed));
  return [s >>> 0, Math.floor(s / 4294967296) >>> 0];
}
