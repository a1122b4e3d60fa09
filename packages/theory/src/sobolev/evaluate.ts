import * as T from '@nonlinear/tensor';
import { ValueError, type Backend, type Tensor } from '@nonlinear/tensor';
import type { UnaryModule } from '@nonlinear/nn';

/**
 * Running a model on host point sets: in chunks, optionally with its input gradient from autograd
 * (`T.grad` of the summed output; samples are independent, so row j of the gradient is the
 * gradient of the model at point j), and seeded uniform draws that leave the global generator as
 * they found it.
 */

/** A model R^d -> R: a module or a plain function, mapping [N, d] to [N, 1] or [N]. */
export type ModelFn = UnaryModule | ((x: Tensor) => Tensor);

/** Where and in what precision points are evaluated. */
export interface EvaluateOptions {
  /** The backend of the model's parameters (default: the current backend). */
  device?: string | Backend;
  /** The model's dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Points per forward pass (default 8192). */
  chunk?: number;
}

/** Model values (and input gradients) at N points. */
export interface ModelEvaluation {
  /** [N] model outputs. */
  values: Float64Array;
  /** [N * d] input gradients, row-major, when asked for. */
  gradients: Float64Array | null;
}

const call = (model: ModelFn, x: Tensor): Tensor => (typeof model === 'function' ? model(x) : model.forward(x));

/** The model's outputs (and, with `gradient`, its input gradients) at [N * dim] row-major points. */
export async function evaluateModel(model: ModelFn, points: Float64Array, dim: number, options: EvaluateOptions & { gradient?: boolean } = {}): Promise<ModelEvaluation> {
  if (!Number.isInteger(dim) || dim < 1 || points.length % dim !== 0) throw new ValueError(`evaluateModel: expected [N * ${dim}] coordinates, got ${points.length}`);
  const n = points.length / dim;
  const chunk = options.chunk ?? 8192;
  if (!Number.isInteger(chunk) || chunk < 1) throw new ValueError(`evaluateModel: chunk must be a positive integer, got ${chunk}`);
  const values = new Float64Array(n);
  const gradients = options.gradient ? new Float64Array(n * dim) : null;
  const tensorOpts = { device: options.device, dtype: options.dtype ?? 'float32' } as const;
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const x = T.tensor(points.subarray(start * dim, (start + rows) * dim), { ...tensorOpts, shape: [rows, dim] });
    try {
      if (gradients) {
        const { value, grads } = T.valueAndGrad((xi) => T.tidy(() => call(model, xi).sum()))(x);
        // The value of the sum is not needed; the per-point values come from a second, graph-free pass.
        value.dispose();
        gradients.set(await grads[0]!.data(), start * dim);
        T.dispose(grads);
      }
      const y = T.noGrad(() => call(model, x));
      try {
        if (y.size !== rows) throw new ValueError(`evaluateModel: the model must map [N, ${dim}] to N outputs, got shape [${y.shape.join(', ')}]`);
        values.set(await y.data(), start);
      } finally {
        y.dispose();
      }
    } finally {
      x.dispose();
    }
  }
  return { values, gradients };
}

/**
 * `count` uniform numbers on [0, 1) from the tensor package's generator seeded with `seed` (the
 * same numbers on every backend); the generator's state is restored afterwards, so callers' own
 * random streams are not disturbed.
 */
export async function seededUniform(seed: number, count: number, device?: string | Backend): Promise<Float64Array> {
  const saved = T.getRngState();
  try {
    T.manualSeed(seed);
    const u = T.rand([count], { device, dtype: 'float32' });
    try {
      return Float64Array.from(await u.data());
    } finally {
      u.dispose();
    }
  } finally {
    T.setRngState(saved);
  }
}
