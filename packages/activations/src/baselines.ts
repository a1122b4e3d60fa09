import * as T from '@nonlinear/tensor';
import { ValueError, type Tensor } from '@nonlinear/tensor';
import { ActivationModule, checkActivationInput } from './module.js';

/**
 * The baselines the PolyCom paper compares against, as parameter-free activation modules:
 * ReLU, squared ReLU, GELU (exact erf form and tanh approximation) and SiLU. Each is one
 * elementwise kernel of @nonlinear/tensor. SwiGLU, a gated block with its own matrices, is
 * {@link SwiGLU}.
 */

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
