import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { ActivationModule, checkActivationInput } from './module.js';

/**
 * The baselines the PolyCom paper compares against, as parameter-free activation modules:
 * ReLU, squared ReLU, GELU (exact erf form and tanh approximation) and SiLU; and the classic
 * activations AF-KAN and the MoE gates choose from by name: LeakyReLU, ELU, SELU, Softplus,
 * Sigmoid, Tanh. Each is one elementwise kernel of @nonlinear/tensor. SwiGLU, a gated block with
 * its own matrices, is {@link SwiGLU}.
 */

/** A finite number option of a layer, or a ValueError naming the layer and the option. */
function finite(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${layer}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/** Squared ReLU, relu(x)^2 computed as relu(x) * relu(x) (So et al., Primer, 2021). */
export function reluSquared(x: Tensor): Tensor {
  return T.tidy(() => T.square(T.relu(x)));
}

/** max(x, 0) (`torch.nn.ReLU`). */
export class ReLU extends ActivationModule {
  /** relu(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('ReLU', x, null);
    return T.relu(x);
  }
}

/** Squared ReLU, relu(x)^2 (Primer). */
export class ReLU2 extends ActivationModule {
  /** relu(x)^2. */
  forward(x: Tensor): Tensor {
    checkActivationInput('ReLU2', x, null);
    return reluSquared(x);
  }
}

/** Options of {@link GELU}. */
export interface GELUOptions {
  /** 'none' (exact, with erf; default) or 'tanh' (the GPT-2 approximation), as PyTorch. */
  approximate?: 'none' | 'tanh';
}

/** x Phi(x), exact or with the tanh approximation (`torch.nn.GELU`). */
export class GELU extends ActivationModule {
  /** 'none' (erf form) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';

  constructor(options: GELUOptions = {}) {
    super();
    const a = options.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(a)}'`);
    this.approximate = a;
  }

  /** gelu(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('GELU', x, null);
    return T.gelu(x, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x sigmoid(x), also called swish (`torch.nn.SiLU`). */
export class SiLU extends ActivationModule {
  /** silu(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('SiLU', x, null);
    return T.silu(x);
  }
}

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUOptions {
  /** The slope for x <= 0 (PyTorch's `negative_slope`); default 0.01. */
  negativeSlope?: number;
}

/** x where x > 0, else negativeSlope * x (`torch.nn.LeakyReLU`). */
export class LeakyReLU extends ActivationModule {
  /** The slope for x <= 0. */
  readonly negativeSlope: number;

  constructor(options: LeakyReLUOptions = {}) {
    super();
    this.negativeSlope = finite('LeakyReLU', 'negativeSlope', options.negativeSlope ?? 0.01);
  }

  /** leakyRelu(x, negativeSlope). */
  forward(x: Tensor): Tensor {
    checkActivationInput('LeakyReLU', x, null);
    return T.leakyRelu(x, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Options of {@link ELU}. */
export interface ELUOptions {
  /** The value approached as x -> -inf is -alpha; default 1. */
  alpha?: number;
}

/** x where x > 0, else alpha (e^x - 1) (`torch.nn.ELU`, Clevert et al., 2016). */
export class ELU extends ActivationModule {
  /** Scale of the negative branch. */
  readonly alpha: number;

  constructor(options: ELUOptions = {}) {
    super();
    this.alpha = finite('ELU', 'alpha', options.alpha ?? 1);
  }

  /** elu(x, alpha). */
  forward(x: Tensor): Tensor {
    checkActivationInput('ELU', x, null);
    return T.elu(x, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** scale * elu(x, alpha) with PyTorch's fixed constants, alpha ~ 1.6733 and scale ~ 1.0507 (`torch.nn.SELU`, Klambauer et al., 2017). */
export class SELU extends ActivationModule {
  /** selu(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('SELU', x, null);
    return T.selu(x);
  }
}

/** Options of {@link Softplus} (PyTorch's `beta` and `threshold`). */
export interface SoftplusOptions {
  /** Sharpness: log(1 + e^(beta x)) / beta; nonzero, default 1. */
  beta?: number;
  /** Above beta x > threshold the function is taken as linear; default 20. */
  threshold?: number;
}

/** log(1 + e^(beta x)) / beta, linear above the threshold (`torch.nn.Softplus`). */
export class Softplus extends ActivationModule {
  /** Sharpness. */
  readonly beta: number;
  /** Where the function switches to x. */
  readonly threshold: number;

  constructor(options: SoftplusOptions = {}) {
    super();
    this.beta = finite('Softplus', 'beta', options.beta ?? 1);
    // beta = 0 divides by zero.
    if (this.beta === 0) throw new ValueError('Softplus: beta must be nonzero, got 0');
    this.threshold = finite('Softplus', 'threshold', options.threshold ?? 20);
  }

  /** softplus(x, { beta, threshold }). */
  forward(x: Tensor): Tensor {
    checkActivationInput('Softplus', x, null);
    return T.softplus(x, { beta: this.beta, threshold: this.threshold });
  }

  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** 1 / (1 + e^-x) (`torch.nn.Sigmoid`). */
export class Sigmoid extends ActivationModule {
  /** sigmoid(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('Sigmoid', x, null);
    return T.sigmoid(x);
  }
}

/** Hyperbolic tangent (`torch.nn.Tanh`). */
export class Tanh extends ActivationModule {
  /** tanh(x). */
  forward(x: Tensor): Tensor {
    checkActivationInput('Tanh', x, null);
    return T.tanh(x);
  }
}
