import { NonlinearError } from '../errors.js';
import { dispose as T_dispose, tidy } from '../memory.js';
import { tensor } from '../ops/creation.js';
import { sum } from '../ops/reduce.js';
import { mul } from '../ops/elementwise.js';
import { backendByName } from '../backend/select.js';
import type { Tensor } from '../tensor.js';
import { gradients } from './tape.js';

/**
 * Options of {@link gradcheck}; an element passes when |analytic - numeric| <= atol + rtol
 * |numeric|.
 */
export interface GradcheckOptions {
  /** Finite-difference step (central differences). */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Seed of the random cotangent used for functions with several output elements. */
  seed?: number;
}

/** The result of {@link gradcheck}. */
export interface GradcheckReport {
  /** True when every checked element is within tolerance. */
  ok: boolean;
  /** Largest |analytic - numeric| - (atol + rtol |numeric|) over all checked elements; <= 0 when ok. */
  worstExcess: number;
  /** The element with the largest excess, or null when nothing was checked. */
  worst: {
    /** Position of the input in `inputs`. */
    input: number;
    /** Flat (row-major) index of the element in that input. */
    index: number;
    /** The autograd gradient there. */
    analytic: number;
    /** The central-difference estimate there. */
    numeric: number;
  } | null;
  /** Number of input elements compared. */
  checked: number;
}

/**
 * Compares autograd's gradients with central finite differences, in float64 on the cpu
 * backend. For an output with several elements it checks the gradient of <f(x), v> for a
 * fixed pseudo-random v. Inputs are copied to cpu float64; `fn` must use only those inputs.
 */
export async function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): Promise<GradcheckReport> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, seed = 1 } = options;
  const cpu = backendByName('cpu');
  const base = await Promise.all(inputs.map(async (t) => ({ shape: [...t.shape], data: Float64Array.from(await t.data()) })));
  const make = (i: number, data: Float64Array, grad: boolean): Tensor =>
    tensor(data, { shape: base[i]!.shape, dtype: 'float64', device: cpu, requiresGrad: grad });

  // A fixed cotangent so that non-scalar outputs reduce to one number.
  let v: Float64Array | null = null;
  const scalarOf = (out: Tensor): Tensor => {
    if (out.dtype !== 'float64') throw new NonlinearError(`gradcheck: fn must compute in float64 (got ${out.dtype}); avoid fixed-dtype ops`);
    if (!v) {
      let s = seed >>> 0 || 1;
      v = Float64Array.from({ length: out.size }, () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 4294967296 - 0.5;
      });
    }
    return sum(mul(out, tensor(v, { shape: out.shape, dtype: 'float64', device: cpu })));
  };

  const leaves = base.map((b, i) => make(i, b.data, true));
  const analytic = tidy(() => {
    const out = scalarOf(fn(...leaves));
    return gradients([out], leaves, [], { allowUnused: true });
  });
  const analyticData = analytic.map((g, i) => (g ? g.dataSync() : new Float64Array(base[i]!.data.length)));
  analytic.forEach((g) => g?.dispose());
  leaves.forEach((l) => l.dispose());

  // Inputs require grad here too, so fn may itself take derivatives (checking second derivatives).
  const evalAt = (i: number, data: Float64Array): number =>
    tidy(() => {
      const xs = base.map((b, k) => make(k, k === i ? data : b.data, true));
      const value = scalarOf(fn(...xs)).dataSync()[0]!;
      T_dispose(xs);
      return value;
    });

  let worstExcess = -Infinity;
  let worst: GradcheckReport['worst'] = null;
  let checked = 0;
  base.forEach((b, i) => {
    for (let j = 0; j < b.data.length; j++) {
      const plus = Float64Array.from(b.data);
      const minus = Float64Array.from(b.data);
      plus[j]! += eps;
      minus[j]! -= eps;
      const numeric = (evalAt(i, plus) - evalAt(i, minus)) / (2 * eps);
      const a = analyticData[i]![j]!;
      const excess = Math.abs(a - numeric) - (atol + rtol * Math.abs(numeric));
      checked++;
      if (excess > worstExcess || Number.isNaN(a) !== Number.isNaN(numeric)) {
        worstExcess = Number.isNaN(excess) ? Infinity : excess;
        worst = { input: i, index: j, analytic: a, numeric };
      }
    }
  });
  return { ok: worstExcess <= 0, worstExcess, worst, checked };
}
