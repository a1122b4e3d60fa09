import { ShapeError, ValueError, tidy, type Tensor } from '@nonlinear/tensor';
import { Module, type UnaryModule } from '../module.js';
import type { Activation, ActivationName } from './activation.js';
import { CausalSelfAttention } from './attention.js';
import { checkFloatInput, formatShape, type LayerOptions } from './common.js';
import { LayerNorm } from './layer-norm.js';
import { MLP } from './mlp.js';
import { RMSNorm } from './rms-norm.js';

/** Which normalisation a block uses: LayerNorm or RMSNorm. */
export type NormKind = 'layernorm' | 'rmsnorm';

/** A LayerNorm or an RMSNorm over the last dim. */
export function createNorm(kind: NormKind, dim: number, options: LayerOptions & { eps?: number }, layer: string): LayerNorm | RMSNorm {
  if (kind === 'layernorm') return new LayerNorm(dim, options);
  if (kind === 'rmsnorm') return new RMSNorm(dim, options);
  throw new ValueError(`${layer}: norm must be 'layernorm' or 'rmsnorm', got '${String(kind)}'`);
}

export interface TransformerBlockOptions extends LayerOptions {
  /** MLP hidden width as a multiple of dim (default 4), unless mlpHidden is given. */
  mlpRatio?: number;
  /** MLP hidden width; overrides mlpRatio. */
  mlpHidden?: number;
  /** 'layernorm' (default) or 'rmsnorm'. */
  norm?: NormKind;
  /** eps of the norms (default: each norm's own default). */
  normEps?: number;
  /** The MLP's activation (default 'gelu'). */
  activation?: Activation | ActivationName | string;
  /**
   * Builds the feed-forward sublayer instead of the default MLP: any module from D to D, such
   * as a SwiGLU block or an FFN whose activation has parameters (PolyNorm). `layer` is the
   * block's index in a model (0 for a lone block).
   */
  ffn?: FeedForwardFactory;
  /** Biases in attention and MLP (default true). */
  bias?: boolean;
  /** Dropout in attention and MLP (default 0). */
  dropout?: number;
  /** Longest sequence (RoPE table size; default 1024). */
  maxSeqLen?: number;
  /** Rotary position embedding in attention (default true). */
  rope?: boolean;
  /** RoPE frequency base (default 10000). */
  ropeBase?: number;
}

/** Builds a block's feed-forward sublayer: a module from [..., dim] to [..., dim]. */
export type FeedForwardFactory = (dim: number, layer: number) => UnaryModule;

/** A pre-norm decoder block: x + attn(norm1(x)), then x + mlp(norm2(x)). */
export class TransformerBlock extends Module {
  /** Model width D. */
  readonly dim: number;
  /** Norm before attention. */
  readonly norm1: LayerNorm | RMSNorm;
  /** The attention sublayer. */
  readonly attn: CausalSelfAttention;
  /** Norm before the MLP. */
  readonly norm2: LayerNorm | RMSNorm;
  /** The feed-forward sublayer, D -> hidden -> D (an MLP unless built by the `ffn` option). */
  readonly mlp: UnaryModule;

  constructor(dim: number, numHeads: number, options: TransformerBlockOptions = {}, layer = 0) {
    super();
    const place = { device: options.device, dtype: options.dtype };
    const kind = options.norm ?? 'layernorm';
    const hidden = options.mlpHidden ?? Math.round((options.mlpRatio ?? 4) * dim);
    this.dim = dim;
    try {
      this.norm1 = this.registerModule('norm1', createNorm(kind, dim, { ...place, eps: options.normEps }, 'TransformerBlock'));
      this.attn = this.registerModule('attn', new CausalSelfAttention(dim, numHeads, {
        ...place, maxSeqLen: options.maxSeqLen, rope: options.rope, ropeBase: options.ropeBase, bias: options.bias, dropout: options.dropout,
      }));
      this.norm2 = this.registerModule('norm2', createNorm(kind, dim, { ...place, eps: options.normEps }, 'TransformerBlock'));
      this.mlp = this.registerModule(
        'mlp',
        options.ffn ? options.ffn(dim, layer) : new MLP(dim, hidden, { ...place, activation: options.activation, bias: options.bias, dropout: options.dropout }),
      );
    } catch (e) {
      this.dispose(); // a bad option found halfway must not leak what was built before it
      throw e;
    }
  }

  /** x [B, T, D] -> [B, T, D]. */
  forward(x: Tensor): Tensor {
    const name = `TransformerBlock(dim=${this.dim})`;
    checkFloatInput(name, x, this.attn.qkv.weight);
    if (x.ndim !== 3 || x.shape[2] !== this.dim) throw new ShapeError(`${name}: expected input [B, T, ${this.dim}], got ${formatShape(x.shape)}`);
    return tidy(() => {
      const h = x.add(this.attn.forward(this.norm1.forward(x)));
      return h.add(this.mlp.forward(this.norm2.forward(h)));
    });
  }
}
