import * as T from '@nonlinear/tensor';
import { ValueError, erfScalar as erf, type Tensor } from '@nonlinear/tensor';

/**
 * The activation sigma of the activation gate as float64 scalar functions with their first two
 * derivatives (the EM gate step is a Newton step, so it needs sigma''), next to the tensor op
 * the gradient-based MLE differentiates. The two are tested against each other.
 */
export interface GateActivation {
  /** The registered activation name. */
  name: string;
  /** sigma(z). */
  f(z: number): number;
  /** sigma'(z). */
  d1(z: number): number;
  /** sigma''(z). */
  d2(z: number): number;
  /** sigma, sigma' and sigma'' at once into out[0..2] (sharing the transcendental calls where possible). */
  all(z: number, out: Float64Array): void;
  /** The same function as a tensor op (differentiable by autograd). */
  tensor(z: Tensor): Tensor;
}

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function geluTanhParts(z: number): { t: number; w1: number; w2: number } {
  const w = GELU_C * (z + GELU_A * z * z * z);
  return { t: Math.tanh(w), w1: GELU_C * (1 + 3 * GELU_A * z * z), w2: 6 * GELU_A * GELU_C * z };
}

const TABLE: Record<string, Omit<GateActivation, 'name' | 'all'> & { all?: GateActivation['all'] }> = {
  tanh: {
    f: Math.tanh,
    d1: (z) => 1 - Math.tanh(z) ** 2,
    d2: (z) => {
      const t = Math.tanh(z);
      return -2 * t * (1 - t * t);
    },
    all: (z, out) => {
      const t = Math.tanh(z);
      out[0] = t;
      out[1] = 1 - t * t;
      out[2] = -2 * t * (1 - t * t);
    },
    tensor: (z) => T.tanh(z),
  },
  sigmoid: {
    f: sigmoid,
    d1: (z) => {
      const s = sigmoid(z);
      return s * (1 - s);
    },
    d2: (z) => {
      const s = sigmoid(z);
      return s * (1 - s) * (1 - 2 * s);
    },
    all: (z, out) => {
      const s = sigmoid(z);
      out[0] = s;
      out[1] = s * (1 - s);
      out[2] = s * (1 - s) * (1 - 2 * s);
    },
    tensor: (z) => T.sigmoid(z),
  },
  gelu: {
    f: (z) => 0.5 * z * (1 + erf(z * SQRT_HALF)),
    d1: (z) => 0.5 * (1 + erf(z * SQRT_HALF)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z),
    d2: (z) => INV_SQRT_2PI * Math.exp(-0.5 * z * z) * (2 - z * z),
    tensor: (z) => T.gelu(z),
  },
  gelu_tanh: {
    f: (z) => 0.5 * z * (1 + Math.tanh(GELU_C * (z + GELU_A * z * z * z))),
    d1: (z) => {
      const { t, w1 } = geluTanhParts(z);
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * w1;
    },
    d2: (z) => {
      const { t, w1, w2 } = geluTanhParts(z);
      const s = 1 - t * t;
      return s * w1 + 0.5 * z * s * (w2 - 2 * t * w1 * w1);
    },
    tensor: (z) => T.gelu(z, { approximate: 'tanh' }),
  },
  silu: {
    f: (z) => z * sigmoid(z),
    d1: (z) => {
      const s = sigmoid(z);
      return s * (1 + z * (1 - s));
    },
    d2: (z) => {
      const s = sigmoid(z);
      return s * (1 - s) * (2 + z * (1 - 2 * s));
    },
    tensor: (z) => T.silu(z),
  },
  softplus: {
    f: (z) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))),
    d1: sigmoid,
    d2: (z) => {
      const s = sigmoid(z);
      return s * (1 - s);
    },
    // threshold Infinity: the exact log1p(exp(z)) everywhere, like the scalar version.
    tensor: (z) => T.softplus(z, { threshold: Infinity }),
  },
  elu: {
    f: (z) => (z > 0 ? z : Math.expm1(z)),
    d1: (z) => (z > 0 ? 1 : Math.exp(z)),
    d2: (z) => (z > 0 ? 0 : Math.exp(z)),
    tensor: (z) => T.where(T.gt(z, 0), z, T.expm1(z)),
  },
};

/** The activations the activation gate accepts (nonlinear and twice differentiable almost everywhere). */
export function gateActivationNames(): string[] {
  return Object.keys(TABLE);
}

/**
 * The activation sigma of the activation gate by name. The identity and ReLU are refused: they
 * satisfy sigma(z) = z sigma'(z), the linear dependence that makes the temperature gate slow,
 * so the gate would be a temperature gate in disguise.
 */
export function gateActivation(name: string | undefined, op = 'gateActivation'): GateActivation {
  if (name === undefined) throw new ValueError(`${op}: the activation gate needs params.activation (one of ${gateActivationNames().join(', ')})`);
  const entry = Object.hasOwn(TABLE, name) ? TABLE[name] : undefined;
  if (!entry) {
    const why = name === 'relu' || name === 'identity' || name === 'linear' ? ` ('${name}' satisfies sigma(z) = z sigma'(z), so the gate would reduce to a temperature gate)` : '';
    throw new ValueError(`${op}: unknown gate activation '${name}'${why}; known: ${gateActivationNames().join(', ')}`);
  }
  const all = entry.all ?? ((z: number, out: Float64Array): void => {
    out[0] = entry.f(z);
    out[1] = entry.d1(z);
    out[2] = entry.d2(z);
  });
  return { name, ...entry, all };
}
