import { tidy, type Tensor } from '@nonlinear/tensor';
import { Module } from '../module.js';
import { getActivation, type Activation, type ActivationName } from './activation.js';
import { checkFloatInput, checkPositiveInt, checkTrailing, type LayerOptions } from './common.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';

export interface MLPOptions extends LayerOptions {
  /** Output width (default: inFeatures, as in a transformer block). */
  outFeatures?: number;
  /** A function or a registered name (default 'gelu', the exact erf form). */
  activation?: Activation | ActivationName | string;
  /** Biases on both matrices (default true). */
  bias?: boolean;
  /** Dropout on the output (default 0). */
  dropout?: number;
}

/** Two matrices with an activation between: fc2(act(fc1(x))), then dropout. */
export class MLP extends Module {
  /** inFeatures -> hiddenFeatures. */
  readonly fc1: Linear;
  /** hiddenFeatures -> outFeatures. */
  readonly fc2: Linear;
  /** Applied to the output. */
  readonly dropout: Dropout;
  /** The function between fc1 and fc2. */
  readonly activation: Activation;
  private readonly activationName: string;

  constructor(inFeatures: number, hiddenFeatures: number, options: MLPOptions = {}) {
    super();
    checkPositiveInt('MLP', 'hiddenFeatures', hiddenFeatures);
    const act = options.activation ?? 'gelu';
    this.activation = getActivation(act, 'MLP');
    this.activationName = typeof act === 'function' ? act.name || 'custom' : act;
    const lin = { bias: options.bias ?? true, device: options.device, dtype: options.dtype };
    const drop = new Dropout(options.dropout ?? 0);
    this.fc1 = this.registerModule('fc1', new Linear(inFeatures, hiddenFeatures, lin));
    try {
      this.fc2 = this.registerModule('fc2', new Linear(hiddenFeatures, options.outFeatures ?? inFeatures, lin));
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.dropout = this.registerModule('dropout', drop);
  }

  /** [..., inFeatures] -> [..., outFeatures]. */
  forward(x: Tensor): Tensor {
    const name = `MLP(${this.fc1.inFeatures} -> ${this.fc1.outFeatures} -> ${this.fc2.outFeatures})`;
    checkFloatInput(name, x, this.fc1.weight);
    checkTrailing(name, x, [this.fc1.inFeatures]);
    return tidy(() => this.dropout.forward(this.fc2.forward(this.activation(this.fc1.forward(x)))));
  }

  override extraRepr(): string {
    return `activation=${this.activationName}`;
  }
}
