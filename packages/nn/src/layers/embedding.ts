import { DTypeError, Tensor, ValueError, embedding, zeros } from '@nonlinear/tensor';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import { checkDevice, checkPositiveInt, type LayerOptions } from './common.js';

/**
 * A lookup table: int32 indices of any shape -> [...indices.shape, embeddingDim]. weight is
 * [numEmbeddings, embeddingDim], initialised N(0, 1) as in PyTorch. Gradients reach only the
 * rows that were looked up (accumulated with scatterAdd). An index outside [0, numEmbeddings)
 * raises IndexError (at once on cpu, at the next read on webgpu).
 */
export class Embedding extends Module {
  /** Number of rows: valid indices are 0..numEmbeddings-1. */
  readonly numEmbeddings: number;
  /** Length of each row. */
  readonly embeddingDim: number;
  /** The table, [numEmbeddings, embeddingDim]. */
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: LayerOptions = {}) {
    super();
    checkPositiveInt('Embedding', 'numEmbeddings', numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', embeddingDim);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.weight = this.registerParameter('weight', normal_(zeros([numEmbeddings, embeddingDim], options)));
  }

  /** int32 indices of any shape -> [...indices.shape, embeddingDim]. */
  forward(indices: Tensor): Tensor {
    const name = `Embedding(${this.numEmbeddings}, ${this.embeddingDim})`;
    if (!(indices instanceof Tensor)) throw new ValueError(`${name}: indices must be a Tensor, got ${typeof indices}`);
    indices.assertLive(name);
    if (indices.dtype !== 'int32') throw new DTypeError(`${name}: indices must be int32, got ${indices.dtype}`);
    checkDevice(name, indices, this.weight);
    return embedding(this.weight, indices);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}`;
  }
}
