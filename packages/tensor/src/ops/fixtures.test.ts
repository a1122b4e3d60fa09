import { describe, expect, test } from 'vitest';
import type { Backend } from '../backend/backend.js';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { testBackends } from '../test-util/backends.js';
import { buildInput, compare, loadFixtures, num, type Tolerance } from '../test-util/fixtures.js';

/**
 * Every op against PyTorch's answers (test/fixtures, made by tools/fixtures). Float32 fixtures
 * are PyTorch's float64 result rounded to float32, so the tolerances below are our error.
 */

type Args = Record<string, any>;
type OpFn = (ins: Tensor[], a: Args, device: Backend) => Tensor | Tensor[];

const unary = (name: keyof Tensor): OpFn => ([x]) => (x![name] as () => Tensor).call(x);
const binary = (f: (a: Tensor, b: Tensor | number) => Tensor): OpFn => ([x, y], a) => f(x!, y ?? num(a.other));
const dims = (d: unknown): number | number[] | null => (d === undefined ? null : (d as number | number[] | null));

const OPS: Record<string, OpFn> = {
  ...Object.fromEntries(
    ['neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'silu', 'softplus', 'erf', 'sign', 'floor', 'ceil', 'round'].map((n) => [n, unary(n as keyof Tensor)]),
  ),
  gelu: ([x], a) => T.gelu(x!, { approximate: a.approximate }),
  clamp: ([x], a) => T.clamp(x!, a.min, a.max),
  pow_scalar: ([x], a) => T.pow(x!, num(a.exponent)),
  add: binary(T.add), sub: binary(T.sub), mul: binary(T.mul), div: binary(T.div), pow: binary(T.pow),
  maximum: binary(T.maximum), minimum: binary(T.minimum),
  eq: binary(T.eq), ne: binary(T.ne), lt: binary(T.lt), le: binary(T.le), gt: binary(T.gt), ge: binary(T.ge),
  where: ([c, x, y]) => T.where(c!, x!, y!),
  masked_fill: ([x, m], a) => T.maskedFill(x!, m!, num(a.value)),
  sum: ([x], a) => T.sum(x!, dims(a.dim), a.keepdim),
  mean: ([x], a) => T.mean(x!, dims(a.dim), a.keepdim),
  max: ([x], a) => T.max(x!, dims(a.dim), a.keepdim),
  min: ([x], a) => T.min(x!, dims(a.dim), a.keepdim),
  prod: ([x], a) => T.prod(x!, dims(a.dim), a.keepdim),
  argmax: ([x], a) => T.argmax(x!, a.dim, a.keepdim),
  argmin: ([x], a) => T.argmin(x!, a.dim, a.keepdim),
  var: ([x], a) => T.variance(x!, dims(a.dim), { correction: a.correction, keepdim: a.keepdim }),
  std: ([x], a) => T.std(x!, dims(a.dim), { correction: a.correction, keepdim: a.keepdim }),
  logsumexp: ([x], a) => T.logsumexp(x!, a.dim, a.keepdim),
  norm: ([x], a) => T.norm(x!, a.p, dims(a.dim), a.keepdim),
  softmax: ([x], a) => T.softmax(x!, a.dim),
  log_softmax: ([x], a) => T.logSoftmax(x!, a.dim),
  cumsum: ([x], a) => T.cumsum(x!, a.dim),
  matmul: ([x, y]) => T.matmul(x!, y!),
  gather: ([x, i], a) => T.gather(x!, a.dim, i!),
  index_select: ([x, i], a) => T.indexSelect(x!, a.dim, i!),
  scatter_add: ([x, i, s], a) => T.scatterAdd(x!, a.dim, i!, s!),
  embedding: ([w, i]) => T.embedding(w!, i!),
  one_hot: ([i], a) => T.oneHot(i!, a.num_classes),
  topk: ([x], a) => {
    const r = T.topk(x!, a.k, a.dim, a.largest);
    return [r.values, r.indices];
  },
  cat: (ins, a) => T.concat(ins, a.dim),
  stack: (ins, a) => T.stack(ins, a.dim),
  split: ([x], a) => T.split(x!, a.split_size_or_sections, a.dim),
  chunk: ([x], a) => T.chunk(x!, a.chunks, a.dim),
  pad: ([x], a) => T.pad(x!, a.pad, num(a.value)),
  triu: ([x], a) => T.triu(x!, a.diagonal),
  tril: ([x], a) => T.tril(x!, a.diagonal),
  reshape: ([x], a) => x!.reshape(a.shape),
  permute: ([x], a) => x!.permute(a.dims),
  transpose: ([x], a) => x!.transpose(a.dim0, a.dim1),
  expand: ([x], a) => x!.expand(a.shape),
  slice: ([x], a) => x!.index(...a.slices),
  squeeze: ([x], a) => x!.squeeze(a.dim ?? undefined),
  unsqueeze: ([x], a) => x!.unsqueeze(a.dim),
  flatten: ([x], a) => x!.flatten(a.start_dim, a.end_dim),
  contiguous: ([x]) => x!.contiguous(),
  arange: (_, a, device) => T.arange(a.start, a.end, a.step, { device }),
  linspace: (_, a, device) => T.linspace(a.start, a.end, a.steps, { device }),
  eye: (_, a, device) => T.eye(a.n, a.m, { device }),
  full: (_, a, device) => T.full(a.shape, num(a.value), { device }),
};

/** Stated tolerances. cpu computes in float64 and rounds once, so it is held to about an ulp. */
const CPU: Tolerance = { rtol: 1e-6, atol: 1e-7 };
const GPU: Tolerance = { rtol: 1e-5, atol: 1e-6 };
/** GPU transcendental builtins are only specified to a few ulp (Vulkan allows 3 + 2|x| for exp). */
const GPU_TRANSCENDENTAL: Tolerance = { rtol: 1e-5, atol: 3e-6 };
const TRANSCENDENTAL = new Set(['exp', 'log', 'log1p', 'expm1', 'sin', 'cos', 'tanh', 'sigmoid', 'silu', 'softplus', 'erf', 'gelu', 'pow', 'pow_scalar', 'rsqrt']);

function tolerance(c: { op: string; name: string; inputs: { shape: number[] }[] }, device: Backend): Tolerance {
  const base = device.name === 'cpu' ? CPU : TRANSCENDENTAL.has(c.op) ? GPU_TRANSCENDENTAL : GPU;
  // Sums of n terms: rounding grows with n, and cancellation makes results near zero relative to sum |x|.
  const n = Math.max(1, ...c.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
  if (['sum', 'mean', 'var', 'std', 'norm', 'cumsum', 'logsumexp', 'log_softmax', 'softmax', 'prod'].includes(c.op) && n > 100) {
    return { rtol: base.rtol * 10, atol: base.atol * Math.sqrt(n) * 10 };
  }
  if (c.op === 'matmul') return { rtol: base.rtol * 10, atol: base.atol * 100 };
  return base;
}

/**
 * Documented deviations: GPU sin and cos have no Payne-Hanek range reduction, so for |x| > 1e4
 * they are only checked to be bounded (|sin x| <= 1). Everything else is held to `tolerance`.
 */
function knownDeviation(c: { op: string; inputs: { data?: unknown[] }[] }, device: Backend): ((i: number) => Tolerance | null) | undefined {
  if (device.name !== 'webgpu' || (c.op !== 'sin' && c.op !== 'cos')) return undefined;
  const xs = (c.inputs[0]!.data ?? []).map(num);
  return (i) => (Math.abs(xs[i] ?? 0) > 1e4 ? { rtol: 0, atol: 2 } : null);
}

const backends = await testBackends();

for (const file of ['elementwise', 'reduce', 'matmul', 'indexing', 'views', 'creation']) {
  const cases = loadFixtures(file);
  describe(file, () => {
    for (const device of backends) {
      describe(device.name, () => {
        for (const c of cases) {
          const skip = c.cpuOnly && !device.supportsDType('float64');
          test.skipIf(skip)(c.name, async () => {
            const fn = OPS[c.op];
            if (!fn) throw new Error(`no mapping for fixture op ${c.op}`);
            const ins = c.inputs.map((i) => buildInput(i, device));
            const out = fn(ins, c.args, device);
            const outs = Array.isArray(out) ? out : [out];
            expect(outs.length).toBe(c.outputs.length);
            const tol = tolerance(c, device);
            const elementTol = knownDeviation(c, device);
            for (let k = 0; k < outs.length; k++) {
              const problem = await compare(outs[k]!, c.outputs[k]!, tol, elementTol);
              expect(problem, `output ${k}`).toBeNull();
            }
            T.dispose([ins, outs]);
          });
        }
      });
    }
  });
}
