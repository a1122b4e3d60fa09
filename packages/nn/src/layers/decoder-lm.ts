import { DTypeError, ShapeError, Tensor, ValueError, tidy } from '@nonlinear/tensor';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import type { Activation, ActivationName } from './activation.js';
import { checkDevice, checkPositiveInt, formatShape, type LayerOptions } from './common.js';
import { Embedding } from './embedding.js';
import type { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { ModuleList } from './module-list.js';
import type { RMSNorm } from './rms-norm.js';
import { TransformerBlock, createNorm, type FeedForwardFactory, type NormKind } from './transformer-block.js';

export interface DecoderLMConfig extends LayerOptions {
  /** Number of tokens V; token ids are 0..V-1. */
  vocabSize: number;
  /** Model width D. */
  dim: number;
  /** Number of TransformerBlocks. */
  numLayers: number;
  /** Attention heads per block; must divide dim. */
  numHeads: number;
  /** Longest sequence (RoPE table size; default 1024). */
  maxSeqLen?: number;
  /** Output head shares the embedding matrix (default true). */
  tied?: boolean;
  /** 'layernorm' (default) or 'rmsnorm', for the blocks and the final norm. */
  norm?: NormKind;
  /** eps of every norm (default: each norm's own). */
  normEps?: number;
  /** The MLPs' activation (default 'gelu'). */
  activation?: Activation | ActivationName | string;
  /** Builds each block's feed-forward sublayer instead of the default MLP (see TransformerBlockOptions.ffn). */
  ffn?: FeedForwardFactory;
  /** MLP hidden width as a multiple of dim (default 4). */
  mlpRatio?: number;
  /** Biases in attention and MLPs (default true). */
  bias?: boolean;
  /** Dropout in attention and MLPs (default 0). */
  dropout?: number;
  /** RoPE frequency base (default 10000). */
  ropeBase?: number;
  /**
   * Std of the token embedding's normal init (default 0.02, as GPT-2). Embedding's own default
   * N(0, 1) would make tied logits of size sqrt(dim) at the start of training.
   */
  embedInitStd?: number;
}

/**
 * A decoder-only language model: token embedding (positions come from RoPE in every block),
 * numLayers pre-norm TransformerBlocks, a final norm, and a head that is the embedding matrix
 * (tied, default) or its own Linear without bias. forward(tokens int32 [B, T]) -> logits
 * [B, T, vocabSize]. Names: embed, blocks.<i>.{norm1,attn,norm2,mlp}, norm, head (untied only).
 */
export class DecoderLM extends Module {
  /** The configuration it was built with (frozen copy). */
  readonly config: Readonly<DecoderLMConfig>;
  /** Token embedding [vocabSize, dim]; also the output head when tied. */
  readonly embed: Embedding;
  /** The numLayers blocks, `blocks.0` first. */
  readonly blocks: ModuleList<TransformerBlock>;
  /** The final norm before the head. */
  readonly norm: LayerNorm | RMSNorm;
  /** The untied output head dim -> vocabSize without bias; null when tied. */
  readonly head: Linear | null = null;
  /** Longest sequence accepted. */
  readonly maxSeqLen: number;

  constructor(config: DecoderLMConfig) {
    super();
    const c = { ...config };
    checkPositiveInt('DecoderLM', 'vocabSize', c.vocabSize);
    checkPositiveInt('DecoderLM', 'dim', c.dim);
    checkPositiveInt('DecoderLM', 'numLayers', c.numLayers);
    this.config = Object.freeze(c);
    this.maxSeqLen = c.maxSeqLen ?? 1024;
    const std = c.embedInitStd ?? 0.02;
    if (!(std >= 0)) throw new ValueError(`DecoderLM: embedInitStd must be >= 0, got ${std}`);
    const place = { device: c.device, dtype: c.dtype };
    try {
      this.embed = this.registerModule('embed', new Embedding(c.vocabSize, c.dim, place));
      normal_(this.embed.weight, 0, std);
      this.blocks = this.registerModule('blocks', new ModuleList<TransformerBlock>());
      for (let i = 0; i < c.numLayers; i++) {
        this.blocks.append(new TransformerBlock(c.dim, c.numHeads, {
          ...place, maxSeqLen: this.maxSeqLen, norm: c.norm, normEps: c.normEps, activation: c.activation, mlpRatio: c.mlpRatio,
          bias: c.bias, dropout: c.dropout, ropeBase: c.ropeBase, ffn: c.ffn,
        }, i));
      }
      this.norm = this.registerModule('norm', createNorm(c.norm ?? 'layernorm', c.dim, { ...place, eps: c.normEps }, 'DecoderLM'));
      if (!(c.tied ?? true)) this.head = this.registerModule('head', new Linear(c.dim, c.vocabSize, { ...place, bias: false }));
    } catch (e) {
      this.dispose(); // a bad option found halfway must not leak what was built before it
      throw e;
    }
  }

  /** int32 tokens [B, T] -> logits [B, T, vocabSize] (unnormalised). */
  forward(tokens: Tensor): Tensor {
    const name = `DecoderLM(vocab=${this.config.vocabSize}, dim=${this.config.dim})`;
    if (!(tokens instanceof Tensor)) throw new ValueError(`${name}: tokens must be a Tensor, got ${typeof tokens}`);
    tokens.assertLive(name);
    if (tokens.dtype !== 'int32') throw new DTypeError(`${name}: tokens must be int32, got ${tokens.dtype}`);
    if (tokens.ndim !== 2) throw new ShapeError(`${name}: tokens must be [B, T], got ${formatShape(tokens.shape)}`);
    if (tokens.shape[1]! > this.maxSeqLen) throw new ShapeError(`${name}: sequence length ${tokens.shape[1]} exceeds maxSeqLen ${this.maxSeqLen}`);
    checkDevice(name, tokens, this.embed.weight);
    return tidy(() => {
      let h = this.embed.forward(tokens);
      for (const block of this.blocks) h = block.forward(h);
      h = this.norm.forward(h);
      return this.head ? this.head.forward(h) : h.matmul(this.embed.weight.mT);
    });
  }

  override extraRepr(): string {
    const c = this.config;
    return `vocabSize=${c.vocabSize}, dim=${c.dim}, numLayers=${c.numLayers}, numHeads=${c.numHeads}, tied=${this.head === null}`;
  }
}
