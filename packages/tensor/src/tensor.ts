import type { Backend } from './backend/backend.js';
import type { DType, TypedArray } from './dtype.js';
import { BackendError, DTypeError, DisposedError } from './errors.js';
import { track, untrack } from './memory.js';
import { contiguousStrides, isContiguous, sizeOf, type Shape } from './shape.js';
import type { Storage } from './storage.js';
import * as ew from './ops/elementwise.js';
import * as rd from './ops/reduce.js';
import * as mm from './ops/matmul.js';
import * as ix from './ops/indexing.js';
import * as vw from './ops/view.js';
import * as cr from './ops/creation.js';
import { backward as runBackward, type GradientOptions, type LeafKey, type Node } from './autograd/tape.js';

export type Scalar = number;
/** A tensor or a JS number wherever an op takes an operand. */
export type TensorLike = Tensor | number;
/** Nested arrays of the element type, as `array()` returns them. */
export type NestedArray = number | boolean | NestedArray[];

let nextId = 0;

/**
 * An n-dimensional array on a backend: a strided view (shape, strides, offset) onto a shared
 * storage. Views (reshape, permute, slice, expand...) share the storage without copying.
 * Methods mirror the free functions of the same name.
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  private disposed = false;
  private needsGrad = false;
  /** @internal The node that produced this tensor (null for leaves and untracked tensors). */
  gradFn: Node | null = null;
  /** @internal Which output of gradFn this tensor is. */
  outputIndex = 0;
  /** @internal Shared by every handle on the same leaf. */
  leafKey: LeafKey | null = null;
  /** A saved handle that must not keep its node alive (a node's own outputs). */
  private weak = false;
  /** The accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;

  /** @internal Use the creation functions (tensor, zeros, ...) instead. */
  constructor(
    readonly storage: Storage,
    shape: Shape,
    strides?: readonly number[],
    offset = 0,
  ) {
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
    this.dtype = storage.dtype;
    storage.retain();
    track(this, storage.backend);
  }

  get backend(): Backend {
    return this.storage.backend;
  }
  /** 'webgpu' or 'cpu'. */
  get device(): string {
    return this.storage.backend.name;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  numel(): number {
    return this.size;
  }
  get isDisposed(): boolean {
    return this.disposed;
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** @internal Bytes of the storage behind this handle. */
  get storageBytes(): number {
    return this.storage.bytes;
  }

  // ---- autograd ----

  /** Whether gradients flow to this tensor. Settable on leaves (tensors no op produced). */
  get requiresGrad(): boolean {
    return this.needsGrad;
  }
  set requiresGrad(flag: boolean) {
    if (this.gradFn) throw new BackendError('requiresGrad: only leaf tensors can change requiresGrad; use detach() to get a leaf');
    if (flag && this.dtype !== 'float32' && this.dtype !== 'float64') {
      throw new DTypeError(`requiresGrad: only float tensors can require gradients, got ${this.dtype}`);
    }
    this.needsGrad = flag;
    this.leafKey = flag ? (this.leafKey ?? { leaf: this }) : null;
  }
  /** Sets requiresGrad and returns this (PyTorch's requires_grad_). */
  requiresGrad_(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }
  /** True for tensors no recorded op produced. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** A new handle on the same storage, cut from the graph. */
  detach(): Tensor {
    this.assertLive('detach');
    return new Tensor(this.storage, this.shape, this.strides, this.offset);
  }
  /** Accumulates the gradient of this tensor into `.grad` of the leaves of its graph. */
  backward(gradient?: Tensor, options?: GradientOptions): void {
    runBackward(this, gradient, options);
  }
  /** @internal Makes this tensor output `index` of `node`. */
  attachGradFn(node: Node, index: number): void {
    this.gradFn = node;
    this.outputIndex = index;
    this.needsGrad = true;
    node.retain();
  }
  /** @internal Takes the autograd identity of `src` (a saved handle). */
  adoptAutograd(src: Tensor, weak: boolean): void {
    this.needsGrad = src.needsGrad;
    this.gradFn = src.gradFn;
    this.outputIndex = src.outputIndex;
    this.leafKey = src.leafKey;
    this.weak = weak;
    if (this.gradFn && !weak) this.gradFn.retain();
  }

  /** Throws DisposedError naming `op` if this tensor was disposed. */
  assertLive(op: string): void {
    if (this.disposed) {
      throw new DisposedError(`${op}: tensor #${this.id} (shape [${this.shape.join(', ')}], ${this.dtype}) was used after dispose()`);
    }
  }

  /** Releases this handle; the storage is freed when its last view is disposed. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    untrack(this);
    this.storage.release();
    if (this.gradFn && !this.weak) this.gradFn.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- reading values ----

  /** The elements in row-major order as a typed array (bool as Uint8Array of 0/1). */
  async data(): Promise<TypedArray> {
    this.assertLive('data');
    if (this.isContiguous) return this.backend.read(this.storage.buffer, this.dtype, this.offset, this.size);
    const c = vw.contiguous(this);
    try {
      return await c.backend.read(c.storage.buffer, c.dtype, c.offset, c.size);
    } finally {
      c.dispose();
    }
  }

  /** Synchronous read; only the cpu backend can do this. */
  dataSync(): TypedArray {
    this.assertLive('dataSync');
    const b = this.backend;
    if (!b.readSync) throw new BackendError(`dataSync: the ${b.name} backend reads asynchronously; use await t.data()`);
    if (this.isContiguous) return b.readSync(this.storage.buffer, this.dtype, this.offset, this.size);
    const c = vw.contiguous(this);
    try {
      return b.readSync(c.storage.buffer, c.dtype, c.offset, c.size);
    } finally {
      c.dispose();
    }
  }

  /** The elements as nested arrays (booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new BackendError(`item: tensor has ${this.size} elements, expected exactly 1`);
    return (await this.data())[0]!;
  }

  /** A copy on another backend ('cpu' or 'webgpu'). */
  async to(device: string | Backend): Promise<Tensor> {
    return cr.toDevice(this, device);
  }

  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.disposed ? ', disposed' : ''})`;
  }

  // ---- dtype ----
  astype(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return ew.cast(this, 'float32'); }
  double(): Tensor { return ew.cast(this, 'float64'); }
  int(): Tensor { return ew.cast(this, 'int32'); }
  bool(): Tensor { return ew.cast(this, 'bool'); }

  // ---- elementwise ----
  neg(): Tensor { return ew.neg(this); }
  abs(): Tensor { return ew.abs(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  log1p(): Tensor { return ew.log1p(this); }
  expm1(): Tensor { return ew.expm1(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  rsqrt(): Tensor { return ew.rsqrt(this); }
  square(): Tensor { return ew.square(this); }
  reciprocal(): Tensor { return ew.reciprocal(this); }
  sin(): Tensor { return ew.sin(this); }
  cos(): Tensor { return ew.cos(this); }
  tanh(): Tensor { return ew.tanh(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  relu(): Tensor { return ew.relu(this); }
  gelu(options?: ew.GeluOptions): Tensor { return ew.gelu(this, options); }
  silu(): Tensor { return ew.silu(this); }
  softplus(options?: ew.SoftplusOptions): Tensor { return ew.softplus(this, options); }
  erf(): Tensor { return ew.erf(this); }
  sign(): Tensor { return ew.sign(this); }
  floor(): Tensor { return ew.floor(this); }
  ceil(): Tensor { return ew.ceil(this); }
  round(): Tensor { return ew.round(this); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  isnan(): Tensor { return ew.isnan(this); }
  isinf(): Tensor { return ew.isinf(this); }
  logicalNot(): Tensor { return ew.logicalNot(this); }
  add(other: TensorLike): Tensor { return ew.add(this, other); }
  sub(other: TensorLike): Tensor { return ew.sub(this, other); }
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }
  logicalAnd(other: TensorLike): Tensor { return ew.logicalAnd(this, other); }
  logicalOr(other: TensorLike): Tensor { return ew.logicalOr(this, other); }
  /** Elements where `mask` is true replaced by `value`. */
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }

  // ---- reductions ----
  sum(dim?: number | number[] | null, keepdim = false): Tensor { return rd.sum(this, dim, keepdim); }
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return rd.mean(this, dim, keepdim); }
  max(dim?: number | number[] | null, keepdim = false): Tensor { return rd.max(this, dim, keepdim); }
  min(dim?: number | number[] | null, keepdim = false): Tensor { return rd.min(this, dim, keepdim); }
  prod(dim?: number | number[] | null, keepdim = false): Tensor { return rd.prod(this, dim, keepdim); }
  var(dim?: number | number[] | null, options?: rd.VarOptions): Tensor { return rd.variance(this, dim, options); }
  std(dim?: number | number[] | null, options?: rd.VarOptions): Tensor { return rd.std(this, dim, options); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return rd.logsumexp(this, dim, keepdim); }
  norm(p: number | 'inf' | '-inf' = 2, dim?: number | number[] | null, keepdim = false): Tensor { return rd.norm(this, p, dim, keepdim); }
  argmax(dim?: number | null, keepdim = false): Tensor { return rd.argmax(this, dim, keepdim); }
  argmin(dim?: number | null, keepdim = false): Tensor { return rd.argmin(this, dim, keepdim); }
  softmax(dim: number): Tensor { return rd.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return rd.logSoftmax(this, dim); }
  cumsum(dim: number): Tensor { return rd.cumsum(this, dim); }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor { return mm.matmul(this, other); }

  // ---- indexing ----
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatterAdd(this, dim, index, src); }
  topk(k: number, dim = -1, largest = true): { values: Tensor; indices: Tensor } { return ix.topk(this, k, dim, largest); }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return ix.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return ix.chunk(this, chunks, dim); }
  pad(pad: readonly number[], value = 0): Tensor { return ix.pad(this, pad, value); }
  triu(diagonal = 0): Tensor { return ix.triu(this, diagonal); }
  tril(diagonal = 0): Tensor { return ix.tril(this, diagonal); }

  // ---- views and copies ----
  reshape(...shape: number[] | [readonly number[]]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return vw.view(this, flatArgs(shape)); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return vw.permute(this, flatArgs(dims)); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return vw.transpose(this, dim0, dim1); }
  /** Matrix transpose of the last two dims (PyTorch's `mT`). */
  get mT(): Tensor { return vw.transpose(this, -2, -1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return vw.expand(this, flatArgs(shape)); }
  expandAs(other: Tensor): Tensor { return vw.expand(this, other.shape); }
  /** Basic indexing: one spec per leading dim (a number selects, `[start, end, step]` slices, null keeps). */
  index(...specs: vw.IndexSpec[]): Tensor { return vw.index(this, ...specs); }
  /** `length` elements of `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  /** The slice at `index` of `dim`, with that dim removed (a view). */
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  squeeze(dim?: number | number[]): Tensor { return vw.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  contiguous(): Tensor { return vw.contiguous(this); }
  clone(): Tensor { return vw.clone(this); }
}

function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}

function nest(data: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]!);
  const build = (dim: number, off: number): NestedArray[] => {
    const n = shape[dim]!;
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? conv(data[off + i]!) : build(dim + 1, off + i * stride));
    return out;
  };
  return build(0, 0);
}
