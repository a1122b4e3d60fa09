import { ValueError } from '@nonlinear/tensor';
import { ELU, GELU, LeakyReLU, ReLU, ReLU2, SELU, SiLU, Sigmoid, Softplus, Tanh } from './baselines.js';
import type { ActivationModule } from './module.js';
import { PolyCom, type PolyComOptions } from './polycom.js';
import { PolyNorm } from './polynorm.js';
import { PolyReLU } from './polyrelu.js';

/** The activations {@link activation} builds by name. */
export type ActivationKind =
  | 'relu' | 'relu2' | 'gelu' | 'gelu_tanh' | 'silu' | 'polyrelu' | 'polynorm' | 'polycom'
  | 'leaky_relu' | 'elu' | 'selu' | 'softplus' | 'sigmoid' | 'tanh';

/**
 * Options of {@link activation}; each kind reads the ones it has (order, coefficients, fused
 * for PolyReLU; also eps for PolyNorm; type and inner for PolyCom; device and dtype for all
 * with coefficients; negativeSlope for leaky_relu, alpha for elu, beta and threshold for
 * softplus, as PyTorch names them).
 */
export interface ActivationOptions extends PolyComOptions {
  /** Run fused kernels (PolyReLU, PolyNorm; default true). */
  fused?: boolean;
  /** leaky_relu's slope for x <= 0 (default 0.01). */
  negativeSlope?: number;
  /** elu's alpha (default 1). */
  alpha?: number;
  /** softplus's sharpness (default 1). */
  beta?: number;
  /** softplus's switch to linear, for beta x above it (default 20). */
  threshold?: number;
}

const BUILDERS: Record<ActivationKind, (o: ActivationOptions) => ActivationModule> = {
  relu: () => new ReLU(),
  relu2: () => new ReLU2(),
  gelu: () => new GELU(),
  gelu_tanh: () => new GELU({ approximate: 'tanh' }),
  silu: () => new SiLU(),
  polyrelu: (o) => new PolyReLU(o),
  polynorm: (o) => new PolyNorm(o),
  polycom: (o) => new PolyCom(o),
  leaky_relu: (o) => new LeakyReLU({ negativeSlope: o.negativeSlope }),
  elu: (o) => new ELU({ alpha: o.alpha }),
  selu: () => new SELU(),
  softplus: (o) => new Softplus({ beta: o.beta, threshold: o.threshold }),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
};

/** The names {@link activation} knows. */
export function activationKinds(): ActivationKind[] {
  return Object.keys(BUILDERS) as ActivationKind[];
}

/**
 * A new activation module by name: `activation('polynorm', { order: 3 })`. Each call builds a
 * new module (a PolyCom activation has its own coefficients, one set per layer). Pass it to
 * {@link FeedForward}, or its `.fn` to APIs that take a function.
 */
export function activation(name: ActivationKind, options: ActivationOptions = {}): ActivationModule {
  if ((name as string) === 'swiglu') {
    throw new ValueError("activation: 'swiglu' is a gated block with its own matrices, not an activation; use new SwiGLU(dim, hidden) or feedForward('swiglu', dim, h)");
  }
  const build = Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
  if (!build) throw new ValueError(`activation: unknown activation '${String(name)}' (known: ${activationKinds().join(', ')})`);
  return build(options);
}
