import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fixtures written by tools/fixtures/gen_optim_fixtures.py (see its docstring for the format). */

export interface OptimizerCase {
  name: string;
  optimizer: 'sgd' | 'adam' | 'adamw';
  dtype: 'float32' | 'float64';
  cpuOnly?: boolean;
  options: Record<string, unknown>;
  groups: { params: number[]; options: Record<string, unknown> }[];
  params: { shape: number[]; data: number[] }[];
  grads: number[][][];
  expected: number[][][];
}

export interface LBFGSCase {
  name: string;
  problem: 'quadratic' | 'rosenbrock';
  A?: number[][];
  b?: number[];
  shapes: number[][];
  x0: number[];
  options: Record<string, unknown>;
  calls: number;
  path: { loss: number; params: number[][]; funcEvals: number; nIter: number }[];
}

export interface ScheduleCase {
  name: string;
  kind: 'step' | 'exponential' | 'cosine' | 'oneCycle';
  options: Record<string, unknown>;
  lrs: number[];
  momentum?: number[];
}

export interface ClipCase {
  name: string;
  kind: 'norm' | 'value';
  maxNorm?: number;
  normType?: number | 'inf';
  total?: number;
  clipValue?: number;
  grads: number[][];
  expected: number[][];
}

export interface OptimFixtures {
  torch: string;
  optimizers: OptimizerCase[];
  lbfgs: LBFGSCase[];
  schedules: ScheduleCase[];
  clip: ClipCase[];
}

let cached: OptimFixtures | null = null;

export function optimFixtures(): OptimFixtures {
  cached ??= JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/optim.json', import.meta.url)), 'utf8')) as OptimFixtures;
  return cached;
}

/** |got - want| <= atol + rtol |want| for every element; returns the first failure as text, or null. */
export function mismatch(got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, atol: number): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return `element ${i}: got ${g}, want ${w} (|diff| ${Math.abs(g - w)})`;
  }
  return null;
}
