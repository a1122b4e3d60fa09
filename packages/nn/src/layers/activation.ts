import { ValueError, gelu, relu, sigmoid, silu, square, tanh, tidy, type Tensor } from '@nonlinear/tensor';

/** An elementwise nonlinearity. */
export type Activation = (x: Tensor) => Tensor;

/** The names the built-in registry knows. */
export type ActivationName = 'relu' | 'gelu' | 'gelu_tanh' | 'silu' | 'tanh' | 'sigmoid' | 'relu2';

const registry = new Map<string, Activation>([
  ['relu', (x) => relu(x)],
  ['gelu', (x) => gelu(x)],
  ['gelu_tanh', (x) => gelu(x, { approximate: 'tanh' })],
  ['silu', (x) => silu(x)],
  ['tanh', (x) => tanh(x)],
  ['sigmoid', (x) => sigmoid(x)],
  // Squared ReLU (So et al., Primer).
  ['relu2', (x) => tidy(() => square(relu(x)))],
]);

/**
 * Adds a named activation, so configs can name it (the activations package registers its own
 * here). Registering an existing name replaces it.
 */
export function registerActivation(name: string, fn: Activation): void {
  if (typeof name !== 'string' || name === '') throw new ValueError(`registerActivation: name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (typeof fn !== 'function') throw new ValueError(`registerActivation: '${name}' must be a function (x: Tensor) => Tensor`);
  registry.set(name, fn);
}

/** The names currently registered. */
export function activationNames(): string[] {
  return [...registry.keys()];
}

/** A function as it is, or the registered activation of that name. */
export function getActivation(activation: Activation | ActivationName | string, layer = 'getActivation'): Activation {
  if (typeof activation === 'function') return activation;
  const fn = registry.get(activation);
  if (!fn) throw new ValueError(`${layer}: unknown activation '${String(activation)}' (known: ${activationNames().join(', ')}; or pass a function)`);
  return fn;
}
