import type { Backend } from '../backend/backend.js';
import * as T from '../index.js';
import type { Tensor } from '../tensor.js';
import { num } from './fixtures.js';

/** Fixture op names mapped to calls of our API, shared by the forward and gradient fixture tests. */

type Args = Record<string, any>;
export type OpFn = (ins: Tensor[], a: Args, device: Backend) => Tensor | Tensor[];

const unary = (name: keyof Tensor): OpFn => ([x]) => (x![name] as () => Tensor).call(x);
const binary = (f: (a: Tensor, b: Tensor | number) => Tensor): OpFn => ([x, y], a) => f(x!, y ?? num(a.other));
const dims = (d: unknown): number | number[] | null => (d === undefined ? null : (d as number | number[] | null));

export const OPS: Record<string, OpFn> = {
  ...Object.fromEntries(
    ['neg', 'abs', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'silu', 'erf', 'sign', 'floor', 'ceil', 'round'].map((n) => [n, unary(n as keyof Tensor)]),
  ),
  gelu: ([x], a) => T.gelu(x!, { approximate: a.approximate }),
  softplus: ([x], a) => T.softplus(x!, { beta: a.beta, threshold: a.threshold }),
  leaky_relu: ([x], a) => T.leakyRelu(x!, a.negative_slope),
  elu: ([x], a) => T.elu(x!, a.alpha),
  selu: ([x]) => T.selu(x!),
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

