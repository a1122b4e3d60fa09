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
  /** A process-unique handle number, used in error messages (`tensor #12`). */
  readonly id = nextId++;
  /** Size of each dimension; `[]` for a 0-d (scalar) tensor. */
  readonly shape: readonly number[];
  /** Elements to step in the storage per index of each dimension (0 for broadcast dims). */
  readonly strides: readonly number[];
  /** Index of this view's first element in the storage, in elements. */
  readonly offset: number;
  /** Element type, that of the storage. */
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
    /** The buffer this handle views; shared by every view of the same data. */
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

  /** The backend holding the storage. */
  get backend(): Backend {
    return this.storage.backend;
  }
  /** 'webgpu' or 'cpu'. */
  get device(): string {
    return this.storage.backend.name;
  }
  /** Number of dimensions (PyTorch's `dim()`). */
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
  /** Number of elements, as PyTorch's `numel()`; same as {@link Tensor.size}. */
  numel(): number {
    return this.size;
  }
  /** True after {@link Tensor.dispose}; any op on the tensor then raises `DisposedError`. */
  get isDisposed(): boolean {
    return this.disposed;
  }
  /** Whether the elements lie in row-major order with no gaps (views may not). */
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
  /** Only leaves can change it, and only float tensors can require gradients. */
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

  /** Same as {@link Tensor.dispose}, so `using t = ...` frees the tensor at the end of the block. */
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

  /** Shape, dtype and device, without reading any values. */
  toString(): string {
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.disposed ? ', disposed' : ''})`;
  }

  // ---- dtype ----
  /** A copy with another dtype ({@link ew.cast | cast}). */
  astype(dtype: DType): Tensor { return ew.cast(this, dtype); }
  /** Cast to float32 ({@link ew.cast | cast}). */
  float(): Tensor { return ew.cast(this, 'float32'); }
  /** Cast to float64, cpu only ({@link ew.cast | cast}). */
  double(): Tensor { return ew.cast(this, 'float64'); }
  /** Cast to int32, truncating toward zero ({@link ew.cast | cast}). */
  int(): Tensor { return ew.cast(this, 'int32'); }
  /** Cast to bool: nonzero is true ({@link ew.cast | cast}). */
  bool(): Tensor { return ew.cast(this, 'bool'); }

  // ---- elementwise ----
  /** -x ({@link ew.neg | neg}). */
  neg(): Tensor { return ew.neg(this); }
  /** |x| ({@link ew.abs | abs}). */
  abs(): Tensor { return ew.abs(this); }
  /** e^x ({@link ew.exp | exp}). */
  exp(): Tensor { return ew.exp(this); }
  /** Natural logarithm ({@link ew.log | log}). */
  log(): Tensor { return ew.log(this); }
  /** log(1 + x), accurate near 0 ({@link ew.log1p | log1p}). */
  log1p(): Tensor { return ew.log1p(this); }
  /** e^x - 1, accurate near 0 ({@link ew.expm1 | expm1}). */
  expm1(): Tensor { return ew.expm1(this); }
  /** Square root ({@link ew.sqrt | sqrt}). */
  sqrt(): Tensor { return ew.sqrt(this); }
  /** 1 / sqrt(x) ({@link ew.rsqrt | rsqrt}). */
  rsqrt(): Tensor { return ew.rsqrt(this); }
  /** x * x ({@link ew.square | square}). */
  square(): Tensor { return ew.square(this); }
  /** 1 / x ({@link ew.reciprocal | reciprocal}). */
  reciprocal(): Tensor { return ew.reciprocal(this); }
  /** Sine ({@link ew.sin | sin}). */
  sin(): Tensor { return ew.sin(this); }
  /** Cosine ({@link ew.cos | cos}). */
  cos(): Tensor { return ew.cos(this); }
  /** Hyperbolic tangent ({@link ew.tanh | tanh}). */
  tanh(): Tensor { return ew.tanh(this); }
  /** 1 / (1 + e^-x) ({@link ew.sigmoid | sigmoid}). */
  sigmoid(): Tensor { return ew.sigmoid(this); }
  /** max(x, 0) ({@link ew.relu | relu}). */
  relu(): Tensor { return ew.relu(this); }
  /** GELU, exact (erf) or tanh form ({@link ew.gelu | gelu}). */
  gelu(options?: ew.GeluOptions): Tensor { return ew.gelu(this, options); }
  /** x * sigmoid(x) ({@link ew.silu | silu}). */
  silu(): Tensor { return ew.silu(this); }
  /** log(1 + e^(beta x)) / beta ({@link ew.softplus | softplus}). */
  softplus(options?: ew.SoftplusOptions): Tensor { return ew.softplus(this, options); }
  /** Error function ({@link ew.erf | erf}). */
  erf(): Tensor { return ew.erf(this); }
  /** -1, 0 or 1 ({@link ew.sign | sign}). */
  sign(): Tensor { return ew.sign(this); }
  /** Round down ({@link ew.floor | floor}). */
  floor(): Tensor { return ew.floor(this); }
  /** Round up ({@link ew.ceil | ceil}). */
  ceil(): Tensor { return ew.ceil(this); }
  /** Round half to even ({@link ew.round | round}). */
  round(): Tensor { return ew.round(this); }
  /** Limit to [min, max] ({@link ew.clamp | clamp}). */
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  /** Bool mask of NaNs ({@link ew.isnan | isnan}). */
  isnan(): Tensor { return ew.isnan(this); }
  /** Bool mask of infinities ({@link ew.isinf | isinf}). */
  isinf(): Tensor { return ew.isinf(this); }
  /** Logical not ({@link ew.logicalNot | logicalNot}). */
  logicalNot(): Tensor { return ew.logicalNot(this); }
  /** this + other, broadcast ({@link ew.add | add}). */
  add(other: TensorLike): Tensor { return ew.add(this, other); }
  /** this - other, broadcast ({@link ew.sub | sub}). */
  sub(other: TensorLike): Tensor { return ew.sub(this, other); }
  /** this * other, broadcast ({@link ew.mul | mul}). */
  mul(other: TensorLike): Tensor { return ew.mul(this, other); }
  /** this / other, true division ({@link ew.div | div}). */
  div(other: TensorLike): Tensor { return ew.div(this, other); }
  /** this ** exponent ({@link ew.pow | pow}). */
  pow(exponent: TensorLike): Tensor { return ew.pow(this, exponent); }
  /** Elementwise max, NaN-propagating ({@link ew.maximum | maximum}). */
  maximum(other: TensorLike): Tensor { return ew.maximum(this, other); }
  /** Elementwise min, NaN-propagating ({@link ew.minimum | minimum}). */
  minimum(other: TensorLike): Tensor { return ew.minimum(this, other); }
  /** this == other, as bool ({@link ew.eq | eq}). */
  eq(other: TensorLike): Tensor { return ew.eq(this, other); }
  /** this != other, as bool ({@link ew.ne | ne}). */
  ne(other: TensorLike): Tensor { return ew.ne(this, other); }
  /** this < other, as bool ({@link ew.lt | lt}). */
  lt(other: TensorLike): Tensor { return ew.lt(this, other); }
  /** this <= other, as bool ({@link ew.le | le}). */
  le(other: TensorLike): Tensor { return ew.le(this, other); }
  /** this > other, as bool ({@link ew.gt | gt}). */
  gt(other: TensorLike): Tensor { return ew.gt(this, other); }
  /** this >= other, as bool ({@link ew.ge | ge}). */
  ge(other: TensorLike): Tensor { return ew.ge(this, other); }
  /** Logical and ({@link ew.logicalAnd | logicalAnd}). */
  logicalAnd(other: TensorLike): Tensor { return ew.logicalAnd(this, other); }
  /** Logical or ({@link ew.logicalOr | logicalOr}). */
  logicalOr(other: TensorLike): Tensor { return ew.logicalOr(this, other); }
  /** Elements where `mask` is true replaced by `value`. */
  maskedFill(mask: Tensor, value: number): Tensor { return ew.maskedFill(this, mask, value); }

  // ---- reductions ----
  /** Sum over `dim` (all dims by default) ({@link rd.sum | sum}). */
  sum(dim?: number | number[] | null, keepdim = false): Tensor { return rd.sum(this, dim, keepdim); }
  /** Mean over `dim` ({@link rd.mean | mean}). */
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return rd.mean(this, dim, keepdim); }
  /** Largest value over `dim` (values only, like `amax`) ({@link rd.max | max}). */
  max(dim?: number | number[] | null, keepdim = false): Tensor { return rd.max(this, dim, keepdim); }
  /** Smallest value over `dim` (values only, like `amin`) ({@link rd.min | min}). */
  min(dim?: number | number[] | null, keepdim = false): Tensor { return rd.min(this, dim, keepdim); }
  /** Product over `dim` ({@link rd.prod | prod}). */
  prod(dim?: number | number[] | null, keepdim = false): Tensor { return rd.prod(this, dim, keepdim); }
  /** Variance over `dim`, unbiased by default ({@link rd.variance | variance}). */
  var(dim?: number | number[] | null, options?: rd.VarOptions): Tensor { return rd.variance(this, dim, options); }
  /** Standard deviation over `dim` ({@link rd.std | std}). */
  std(dim?: number | number[] | null, options?: rd.VarOptions): Tensor { return rd.std(this, dim, options); }
  /** log(sum(exp(x))) over `dim`, computed stably ({@link rd.logsumexp | logsumexp}). */
  logsumexp(dim: number | number[], keepdim = false): Tensor { return rd.logsumexp(this, dim, keepdim); }
  /** Vector p-norm over `dim` ({@link rd.norm | norm}). */
  norm(p: number | 'inf' | '-inf' = 2, dim?: number | number[] | null, keepdim = false): Tensor { return rd.norm(this, p, dim, keepdim); }
  /** Index of the largest value (int32) ({@link rd.argmax | argmax}). */
  argmax(dim?: number | null, keepdim = false): Tensor { return rd.argmax(this, dim, keepdim); }
  /** Index of the smallest value (int32) ({@link rd.argmin | argmin}). */
  argmin(dim?: number | null, keepdim = false): Tensor { return rd.argmin(this, dim, keepdim); }
  /** Softmax along `dim` ({@link rd.softmax | softmax}). */
  softmax(dim: number): Tensor { return rd.softmax(this, dim); }
  /** log(softmax(x)) along `dim`, computed stably ({@link rd.logSoftmax | logSoftmax}). */
  logSoftmax(dim: number): Tensor { return rd.logSoftmax(this, dim); }
  /** Running sum along `dim` ({@link rd.cumsum | cumsum}). */
  cumsum(dim: number): Tensor { return rd.cumsum(this, dim); }

  // ---- linear algebra ----
  /** Matrix product with broadcast batch dims ({@link mm.matmul | matmul}). */
  matmul(other: Tensor): Tensor { return mm.matmul(this, other); }

  // ---- indexing ----
  /** Values at `index` along `dim` ({@link ix.gather | gather}). */
  gather(dim: number, index: Tensor): Tensor { return ix.gather(this, dim, index); }
  /** The entries `index` of `dim` ({@link ix.indexSelect | indexSelect}). */
  indexSelect(dim: number, index: Tensor): Tensor { return ix.indexSelect(this, dim, index); }
  /** A copy with `src` added at `index` along `dim` ({@link ix.scatterAdd | scatterAdd}). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return ix.scatterAdd(this, dim, index, src); }
  /**
   * The `k` largest (or smallest) values along `dim` and their indices ({@link ix.topk | topk}).
   */
  topk(k: number, dim = -1, largest = true): {
    /** The selected values, sorted, with `dim` of size k. */
    values: Tensor;
    /** Their positions along `dim`, int32. */
    indices: Tensor;
  } { return ix.topk(this, k, dim, largest); }
  /** Views of chunks of a given size, or of the listed sizes ({@link ix.split | split}). */
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return ix.split(this, sizeOrSections, dim); }
  /** `chunks` views of near-equal size ({@link ix.chunk | chunk}). */
  chunk(chunks: number, dim = 0): Tensor[] { return ix.chunk(this, chunks, dim); }
  /** Constant padding, PyTorch order (last dim first) ({@link ix.pad | pad}). */
  pad(pad: readonly number[], value = 0): Tensor { return ix.pad(this, pad, value); }
  /** Upper triangle of the last two dims, the rest zeroed ({@link ix.triu | triu}). */
  triu(diagonal = 0): Tensor { return ix.triu(this, diagonal); }
  /** Lower triangle of the last two dims, the rest zeroed ({@link ix.tril | tril}). */
  tril(diagonal = 0): Tensor { return ix.tril(this, diagonal); }

  // ---- views and copies ----
  /**
   * Same elements in a new shape: a view when possible, else a copy ({@link vw.reshape | reshape}).
   */
  reshape(...shape: number[] | [readonly number[]]): Tensor { return vw.reshape(this, flatArgs(shape)); }
  /**
   * A view with a new shape; raises when the layout does not allow one ({@link vw.view | view}).
   */
  view(...shape: number[] | [readonly number[]]): Tensor { return vw.view(this, flatArgs(shape)); }
  /** A view with dims reordered ({@link vw.permute | permute}). */
  permute(...dims: number[] | [readonly number[]]): Tensor { return vw.permute(this, flatArgs(dims)); }
  /** A view with two dims swapped (the last two by default) ({@link vw.transpose | transpose}). */
  transpose(dim0 = -2, dim1 = -1): Tensor { return vw.transpose(this, dim0, dim1); }
  /** Matrix transpose of the last two dims (PyTorch's `mT`). */
  get mT(): Tensor { return vw.transpose(this, -2, -1); }
  /** A view repeating size-1 dims, without copying ({@link vw.expand | expand}). */
  expand(...shape: number[] | [readonly number[]]): Tensor { return vw.expand(this, flatArgs(shape)); }
  /** {@link Tensor.expand} to the shape of `other`. */
  expandAs(other: Tensor): Tensor { return vw.expand(this, other.shape); }
  /** Basic indexing: one spec per leading dim (a number selects, `[start, end, step]` slices, null keeps). */
  index(...specs: vw.IndexSpec[]): Tensor { return vw.index(this, ...specs); }
  /** `length` elements of `dim` from `start` (a view). */
  narrow(dim: number, start: number, length: number): Tensor { return vw.narrow(this, dim, start, length); }
  /** The slice at `index` of `dim`, with that dim removed (a view). */
  select(dim: number, index: number): Tensor { return vw.select(this, dim, index); }
  /** A view without size-1 dims (all, or those listed) ({@link vw.squeeze | squeeze}). */
  squeeze(dim?: number | number[]): Tensor { return vw.squeeze(this, dim); }
  /** A view with a size-1 dim inserted at `dim` ({@link vw.unsqueeze | unsqueeze}). */
  unsqueeze(dim: number): Tensor { return vw.unsqueeze(this, dim); }
  /** Dims `startDim..endDim` merged into one ({@link vw.flatten | flatten}). */
  flatten(startDim = 0, endDim = -1): Tensor { return vw.flatten(this, startDim, endDim); }
  /**
   * A row-major copy, or a new handle when already contiguous ({@link vw.contiguous | contiguous}).
   */
  contiguous(): Tensor { return vw.contiguous(this); }
  /** A copy with its own storage ({@link vw.clone | clone}). */
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
