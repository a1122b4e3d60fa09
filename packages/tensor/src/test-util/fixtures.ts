import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_tensor_fixtures.py. */

export type Num = number | 'nan' | 'inf' | '-inf';
export interface FixtureInput {
  dtype: DType;
  shape: number[];
  data?: (Num | boolean)[];
  generator?: 'mod';
  transform?: Record<string, unknown>[];
}
export interface FixtureOutput {
  dtype: DType;
  shape: number[];
  data: (Num | boolean)[];
}
export interface FixtureCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: FixtureInput[];
  outputs: FixtureOutput[];
  cpuOnly?: boolean;
}

export function loadFixtures(file: string): FixtureCase[] {
  const path = fileURLToPath(new URL(`../../test/fixtures/${file}.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] }).cases;
}

export function num(v: unknown): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

function values(inp: FixtureInput): number[] {
  if (inp.generator === 'mod') {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => Math.fround(((i * 7919) % 1009) / 1009 - 0.5));
  }
  return inp.data!.map(num);
}

/** Builds a fixture input on a backend, applying its view transforms (so the op sees a strided view). */
export function buildInput(inp: FixtureInput, device: Backend): Tensor {
  let t = tensor(
    inp.dtype === 'float64' ? Float64Array.from(values(inp)) : inp.dtype === 'int32' ? Int32Array.from(values(inp)) : inp.dtype === 'bool' ? Uint8Array.from(values(inp)) : Float32Array.from(values(inp)),
    { shape: inp.shape, dtype: inp.dtype, device },
  );
  for (const step of inp.transform ?? []) {
    const [kind, arg] = Object.entries(step)[0]!;
    const a = arg as never;
    if (kind === 'permute') t = t.permute(a);
    else if (kind === 'transpose') t = t.transpose((a as number[])[0], (a as number[])[1]);
    else if (kind === 'slice') t = t.index(...(a as ([number, number, number] | null)[]));
    else if (kind === 'expand') t = t.expand(a);
    else if (kind === 'unsqueeze') t = t.unsqueeze(a);
    else throw new Error(`unknown fixture transform ${kind}`);
  }
  return t;
}

export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Compares a result with a fixture output: exact for ints and bools; for floats NaN must match NaN, infinities exactly, zeros regardless of sign. Returns a description of the worst mismatch, or null. */
export async function compare(got: Tensor, want: FixtureOutput, tol: Tolerance, elementTol?: (i: number) => Tolerance | null): Promise<string | null> {
  if (got.dtype !== want.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  if (got.shape.join(',') !== want.shape.join(',')) return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  const data = await got.data();
  const exp = want.data.map(num);
  let worst: string | null = null;
  let worstExcess = 0;
  for (let i = 0; i < exp.length; i++) {
    const g = data[i]!;
    const e = exp[i]!;
    if (Number.isNaN(e) || Number.isNaN(g)) {
      if (!(Number.isNaN(e) && Number.isNaN(g))) return `element ${i}: got ${g}, expected ${e}`;
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(g)) {
      if (g !== e) return `element ${i}: got ${g}, expected ${e}`;
      continue;
    }
    const err = Math.abs(g - e);
    const t = elementTol?.(i) ?? tol;
    const allowed = t.atol + t.rtol * Math.abs(e);
    if (err > allowed && err / allowed > worstExcess) {
      worstExcess = err / allowed;
      worst = `element ${i}: got ${g}, expected ${e} (|diff| ${err.toExponential(2)} > ${allowed.toExponential(2)})`;
    }
  }
  return worst;
}
