import { ShapeError, ValueError, concat, tensor, tidy, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { checkPositiveInt, type LayerOptions } from './common.js';

/**
 * cos and sin tables of rotary position embeddings (Su et al., RoFormer), [maxSeqLen, headDim],
 * in float64: angle(t, i) = t * base^(-2i / headDim) for i < headDim / 2, repeated for the second
 * half (the "rotate half" layout of GPT-NeoX and LLaMA in Hugging Face transformers).
 */
export function rotaryTables(headDim: number, maxSeqLen: number, base = 10000): {
  /** cos(angle), row-major [maxSeqLen, headDim]. */
  cos: Float64Array;
  /** sin(angle), row-major [maxSeqLen, headDim]. */
  sin: Float64Array;
} {
  const half = headDim / 2;
  const cos = new Float64Array(maxSeqLen * headDim);
  const sin = new Float64Array(maxSeqLen * headDim);
  for (let i = 0; i < half; i++) {
    const invFreq = 1 / base ** ((2 * i) / headDim);
    for (let t = 0; t < maxSeqLen; t++) {
      const a = t * invFreq;
      cos[t * headDim + i] = cos[t * headDim + i + half] = Math.cos(a);
      sin[t * headDim + i] = sin[t * headDim + i + half] = Math.sin(a);
    }
  }
  return { cos, sin };
}

/** The rotation (-x2, x1) of x = (x1, x2), split in halves along the last dim. */
export function rotateHalf(x: Tensor): Tensor {
  const half = x.shape[x.ndim - 1]! / 2;
  return tidy(() => concat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1));
}

/** x * cos + rotateHalf(x) * sin, with cos and sin [T, headDim] broadcast over x [..., T, headDim]. */
export function applyRotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  return tidy(() => x.mul(cos).add(rotateHalf(x).mul(sin)));
}

export interface RotaryOptions extends LayerOptions {
  /** Frequency base (default 10000). */
  base?: number;
}

/**
 * Rotary position embedding for one head size: holds the cos/sin tables as non-persistent
 * buffers (recomputed from the config, never saved) and rotates [..., T, headDim] inputs by
 * the positions offset, offset + 1, ... offset + T - 1.
 */
export class RotaryEmbedding extends Module {
  /** The size rotated: the last dim of the input (even). */
  readonly headDim: number;
  /** Number of positions the tables cover. */
  readonly maxSeqLen: number;
  /** Frequency base: pair i turns at base^(-2i / headDim) radians per position. */
  readonly base: number;
  /** cos table [maxSeqLen, headDim] (non-persistent buffer). */
  cos: Tensor;
  /** sin table [maxSeqLen, headDim] (non-persistent buffer). */
  sin: Tensor;

  constructor(headDim: number, maxSeqLen: number, options: RotaryOptions = {}) {
    super();
    checkPositiveInt('RotaryEmbedding', 'headDim', headDim);
    checkPositiveInt('RotaryEmbedding', 'maxSeqLen', maxSeqLen);
    if (headDim % 2 !== 0) throw new ValueError(`RotaryEmbedding: headDim must be even to rotate pairs, got ${headDim}`);
    const base = options.base ?? 10000;
    if (!(base > 0)) throw new ValueError(`RotaryEmbedding: base must be positive, got ${base}`);
    this.headDim = headDim;
    this.maxSeqLen = maxSeqLen;
    this.base = base;
    const { cos, sin } = rotaryTables(headDim, maxSeqLen, base);
    const opts = { shape: [maxSeqLen, headDim], dtype: options.dtype ?? 'float32', device: options.device };
    this.cos = this.registerBuffer('cos', tensor(cos, opts), { persistent: false });
    this.sin = this.registerBuffer('sin', tensor(sin, opts), { persistent: false });
  }

  /** Rotates x [..., T, headDim] by positions offset..offset+T-1; same shape out. */
  forward(x: Tensor, offset = 0): Tensor {
    const name = `RotaryEmbedding(${this.headDim})`;
    const T = x.shape[x.ndim - 2];
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== this.headDim) throw new ShapeError(`${name}: expected input [..., T, ${this.headDim}], got [${x.shape.join(', ')}]`);
    if (!Number.isInteger(offset) || offset < 0 || offset + T! > this.maxSeqLen) {
      throw new ShapeError(`${name}: positions ${offset}..${offset + T! - 1} exceed maxSeqLen ${this.maxSeqLen}`);
    }
    return tidy(() => applyRotary(x, this.cos.narrow(0, offset, T!), this.sin.narrow(0, offset, T!)));
  }

  override extraRepr(): string {
    return `headDim=${this.headDim}, maxSeqLen=${this.maxSeqLen}, base=${this.base}`;
  }
}
