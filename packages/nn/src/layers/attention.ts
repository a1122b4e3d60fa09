import { ShapeError, ValueError, ones, tidy, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { checkFloatInput, checkPositiveInt, checkProbability, formatShape, type LayerOptions } from './common.js';
import { dropout, Dropout } from './dropout.js';
import { linear, Linear } from './linear.js';
import { applyRotary, RotaryEmbedding } from './rotary.js';

/** The weights {@link causalSelfAttention} uses (D is the model width). */
export interface CausalAttentionParams {
  /** Shape [3D, D]: the rows of q, then k, then v. */
  qkvWeight: Tensor;
  /** Shape [3D], or none. */
  qkvBias?: Tensor | null;
  /** Shape [D, D]. */
  projWeight: Tensor;
  /** Shape [D], or none. */
  projBias?: Tensor | null;
}

/** Options of {@link causalSelfAttention}. */
export interface CausalAttentionOptions {
  /** Number of heads H; D must be divisible by H. */
  numHeads: number;
  /** RoPE tables [>= T, headDim]; rows 0..T-1 are used. Omit both for no position encoding. */
  cos?: Tensor | null;
  /** The sin table matching `cos`. */
  sin?: Tensor | null;
  /** Dropout on the attention weights (only when training). */
  attnDropout?: number;
  /** Whether attention dropout is active (default true). */
  training?: boolean;
}

/**
 * Multi-head causal self-attention on x [B, T, D] as plain functions (what CausalSelfAttention
 * runs; usable with gradcheck): a fused qkv projection, RoPE on q and k, softmax(q k^T / sqrt(d)
 * with the future masked to -inf), the weighted sum of v, and the output projection.
 */
export function causalSelfAttention(x: Tensor, params: CausalAttentionParams, options: CausalAttentionOptions): Tensor {
  const [B, T, D] = x.shape as [number, number, number];
  const H = options.numHeads;
  const hd = D / H;
  return tidy(() => {
    const qkv = linear(x, params.qkvWeight, params.qkvBias);
    // [B, T, D] -> [B, H, T, hd] for each of q, k, v (views; no copy).
    const heads = qkv.split(D, -1).map((t) => t.reshape([B, T, H, hd]).permute(0, 2, 1, 3));
    let [q, k] = heads as [Tensor, Tensor];
    const v = heads[2]!;
    if (options.cos && options.sin) {
      const cos = options.cos.narrow(0, 0, T);
      const sin = options.sin.narrow(0, 0, T);
      q = applyRotary(q, cos, sin);
      k = applyRotary(k, cos, sin);
    }
    const future = ones([T, T], { dtype: 'bool', device: x.backend }).triu(1);
    let att = q.matmul(k.mT).mul(1 / Math.sqrt(hd)).maskedFill(future, -Infinity).softmax(-1);
    if (options.attnDropout) att = dropout(att, options.attnDropout, options.training ?? true);
    const y = att.matmul(v).permute(0, 2, 1, 3).reshape([B, T, D]);
    return linear(y, params.projWeight, params.projBias);
  });
}

export interface CausalSelfAttentionOptions extends LayerOptions {
  /** Longest sequence (the size of the RoPE tables; default 1024). */
  maxSeqLen?: number;
  /** Rotary position embedding on q and k (default true). */
  rope?: boolean;
  /** RoPE frequency base (default 10000). */
  ropeBase?: number;
  /** Biases on the qkv and output projections (default true). */
  bias?: boolean;
  /** Dropout on the attention weights and on the output (default 0). */
  dropout?: number;
}

/**
 * Multi-head causal self-attention: x [B, T, D] -> [B, T, D]. Submodules: qkv (Linear D -> 3D,
 * fused), proj (Linear D -> D), rotary (RoPE tables, non-persistent), attnDropout, residDropout.
 */
export class CausalSelfAttention extends Module {
  /** Model width D. */
  readonly dim: number;
  /** Number of heads H. */
  readonly numHeads: number;
  /** D / H. */
  readonly headDim: number;
  /** Longest sequence accepted (the RoPE table size). */
  readonly maxSeqLen: number;
  /** The fused projection D -> 3D (rows q, k, v). */
  readonly qkv: Linear;
  /** The output projection D -> D. */
  readonly proj: Linear;
  /** RoPE tables, or null when built with `rope: false`. */
  readonly rotary: RotaryEmbedding | null = null;
  /** Dropout on the attention weights. */
  readonly attnDropout: Dropout;
  /** Dropout on the output. */
  readonly residDropout: Dropout;

  constructor(dim: number, numHeads: number, options: CausalSelfAttentionOptions = {}) {
    super();
    checkPositiveInt('CausalSelfAttention', 'dim', dim);
    checkPositiveInt('CausalSelfAttention', 'numHeads', numHeads);
    if (dim % numHeads !== 0) throw new ValueError(`CausalSelfAttention: dim ${dim} is not divisible by numHeads ${numHeads}`);
    const p = options.dropout ?? 0;
    checkProbability('CausalSelfAttention', 'dropout', p);
    this.dim = dim;
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.maxSeqLen = options.maxSeqLen ?? 1024;
    checkPositiveInt('CausalSelfAttention', 'maxSeqLen', this.maxSeqLen);
    const rope = options.rope ?? true;
    if (rope && this.headDim % 2 !== 0) throw new ValueError(`CausalSelfAttention: RoPE needs an even head size, got ${dim} / ${numHeads} = ${this.headDim}`);
    const place = { device: options.device, dtype: options.dtype };
    const lin = { ...place, bias: options.bias ?? true };
    this.qkv = this.registerModule('qkv', new Linear(dim, 3 * dim, lin));
    this.proj = this.registerModule('proj', new Linear(dim, dim, lin));
    if (rope) {
      this.rotary = this.registerModule('rotary', new RotaryEmbedding(this.headDim, this.maxSeqLen, { ...place, base: options.ropeBase }));
    }
    this.attnDropout = this.registerModule('attnDropout', new Dropout(p));
    this.residDropout = this.registerModule('residDropout', new Dropout(p));
  }

  /** x [B, T, D] -> [B, T, D], each position attending to itself and earlier ones. */
  forward(x: Tensor): Tensor {
    const name = `CausalSelfAttention(dim=${this.dim}, heads=${this.numHeads})`;
    checkFloatInput(name, x, this.qkv.weight);
    if (x.ndim !== 3 || x.shape[2] !== this.dim) throw new ShapeError(`${name}: expected input [B, T, ${this.dim}], got ${formatShape(x.shape)}`);
    if (x.shape[1]! > this.maxSeqLen) throw new ShapeError(`${name}: sequence length ${x.shape[1]} exceeds maxSeqLen ${this.maxSeqLen}`);
    return tidy(() => {
      const y = causalSelfAttention(x, { qkvWeight: this.qkv.weight, qkvBias: this.qkv.bias, projWeight: this.proj.weight, projBias: this.proj.bias }, {
        numHeads: this.numHeads,
        cos: this.rotary?.cos,
        sin: this.rotary?.sin,
        attnDropout: this.attnDropout.p,
        training: this.attnDropout.training,
      });
      return this.residDropout.forward(y);
    });
  }

  override extraRepr(): string {
    return `dim=${this.dim}, numHeads=${this.numHeads}, rope=${this.rotary !== null}`;
  }
}
