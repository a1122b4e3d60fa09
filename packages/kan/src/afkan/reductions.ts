import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Module, kaimingUniform_, uniform_, type LayerOptions } from '@nonlinear/nn';
import { recomputeGrads } from '@nonlinear/activations';
import { rowSoftmax } from '../kernels/softmax.js';

/**
 * AF-KAN's "parameter reduction methods": each turns the basis phi (..., D, n) into one value
 * per input, u (..., D). Only the three the paper evaluates are offered; the reference's slow
 * attention variants (local, self, multi-head) are left out.
 */
export type AFKANReduction = 'global_attn' | 'spatial_attn' | 'multistep';

/** The allowed {@link AFKANReduction} values. */
export const AFKAN_REDUCTIONS: readonly AFKANReduction[] = Object.freeze(['global_attn', 'spatial_attn', 'multistep'] as AFKANReduction[]);

/** The softmax temperature max(tau, 1): a learnable tau below 1 would only sharpen, so it is floored. */
function temperature(tau: Tensor): Tensor {
  return T.clamp(tau, 1);
}

/**
 * Sums over the n bumps as a product with a ones vector: a reduction over a last dim this short,
 * one output per (sample, input), is far slower than the matmul on some devices (a workgroup per
 * output).
 */
export function sumBumps(t: Tensor): Tensor {
  const n = t.shape[t.ndim - 1]!;
  return T.tidy(() => rowsTimes(t, T.ones([1, n], { device: t.backend, dtype: t.dtype })).squeeze(-1));
}

/**
 * (..., n) @ w^T for w (k, n) with the leading dims flattened into one: the weight's gradient is
 * then one matmul (g^T phi) instead of a batched one and a reduction over the batch.
 */
function rowsTimes(t: Tensor, w: Tensor): Tensor {
  const n = t.shape[t.ndim - 1]!;
  return T.matmul(t.reshape([-1, n]), w.mT).reshape([...t.shape.slice(0, -1), w.shape[0]!]);
}

/**
 * `global_attn`: z_i = w . phi_i + c (one Linear(n, 1) shared by all inputs), alpha = softmax
 * over the D inputs of z / max(tau, 1), u_i = alpha_i sum_j phi_ij. `weight` is (1, n), `bias`
 * (1), `tau` a 0-d tensor. z and the sums come from ONE matmul of phi with [w; 1].
 */
export function globalAttention(phi: Tensor, weight: Tensor, bias: Tensor, tau: Tensor): Tensor {
  return T.tidy(() => {
    const ones = T.ones([1, weight.shape[1]!], { device: weight.backend, dtype: weight.dtype });
    const zs = rowsTimes(phi, T.concat([weight, ones], 0));
    const z = T.add(zs.select(-1, 0), bias);
    const alpha = rowSoftmax(T.div(z, temperature(tau)));
    return T.mul(alpha, zs.select(-1, 1));
  });
}

/** `multistep`: u_i = w . phi_i + c (the same Linear(n, 1) for every input). */
export function multistep(phi: Tensor, weight: Tensor, bias: Tensor): Tensor {
  return T.tidy(() => T.add(rowsTimes(phi, weight), bias).squeeze(-1));
}

type Expr = T.expr.Expr;
const { call } = T.expr;
const taps = (l: Expr, m: Expr, r: Expr, w0: Expr, w1: Expr, w2: Expr): Expr =>
  call('add', call('add', call('mul', l, w0), call('mul', m, w1)), call('mul', r, w2));
// The per-tap products of the weight gradients, in one kernel.
const tapProducts = T.fuse((g, l, m, r) => [g.mul(l), g.mul(m), g.mul(r)]);

/** The rows of the conv's neighbours: phi at i - 1, i, i + 1 along D (zero beyond the ends). */
function neighbours(t: Tensor): [Tensor, Tensor, Tensor] {
  const d = t.shape[t.ndim - 2]!;
  const padded = t.pad([0, 0, 1, 1]);
  return [padded.narrow(-2, 0, d), padded.narrow(-2, 1, d), padded.narrow(-2, 2, d)];
}

/** Sums (..., D, n) over the leading dims to (n): one reduction. */
const columnSum = (t: Tensor): Tensor => t.reshape([-1, t.shape[t.ndim - 1]!]).sum(0);

/**
 * y_i = w0 phi_{i-1} + w1 phi_i + w2 phi_{i+1} + b along D, per channel: ONE kernel forward
 * (after the pad); backward one kernel for dphi (the transposed taps), one for the three tap
 * products and one reduction per weight. Second derivatives recompute with public ops.
 */
function depthwiseConv3(phi: Tensor, weight: Tensor, b: Tensor): Tensor {
  const n = weight.shape[0]!;
  const tapsOf = (w: Tensor): Tensor[] => [0, 1, 2].map((t) => w.reshape([n, 3]).narrow(1, t, 1).reshape([n]));
  const reference = (p: Tensor, w: Tensor, f: Tensor): Tensor =>
    T.tidy(() => {
      const [l, m, r] = neighbours(p);
      const [a, c, e] = tapsOf(w);
      return T.add(T.add(T.add(T.mul(l, a!), T.mul(m, c!)), T.mul(r, e!)), f);
    });
  return T.tidy(() => {
    const [l, m, r] = neighbours(phi.detach());
    const y = T.map('depthwiseConv3', [l, m, r, ...tapsOf(weight.detach()), b], 'float', (lv, mv, rv, a, c, e, f) => call('add', taps(lv, mv, rv, a, c, e), f));
    T.record('depthwiseConv3', [phi, weight, b], [y], ([g], [p, w, f]) => {
      if (T.isGradEnabled()) return recomputeGrads(() => reference(p!, w!, f!), [p!, w!, f!], g!);
      return T.tidy(() => {
        // dphi_k = w0 g_{k+1} + w1 g_k + w2 g_{k-1}: the taps mirrored over the padded gradient.
        const [gl, gm, gr] = neighbours(g!);
        const dphi = T.map('depthwiseConv3Backward', [gr, gm, gl, ...tapsOf(w!.detach())], 'float', (rv, mv, lv, x0, x1, x2) => taps(rv, mv, lv, x0, x1, x2));
        const [pl, pm, pr] = neighbours(p!.detach());
        // The three tap products side by side, (rows, 3, n), summed over the rows at once.
        const prods = T.stack(tapProducts(g!, pl, pm, pr), -2).reshape([-1, 3 * n]).sum(0);
        return [dphi, prods.reshape([3, n]).mT.reshape([n, 1, 3]), columnSum(g!)];
      });
    });
    return y;
  });
}

/**
 * A depthwise Conv1d(n, n, kernel 3, padding 1, groups n) run along the D axis of (..., D, n),
 * with PyTorch's parameter shapes (weight (n, 1, 3), bias (n)) and initialisation.
 */
export class DepthwiseConv1d extends Module {
  /** The channels n. */
  readonly channels: number;
  /** (n, 1, 3): tap t of channel j multiplies phi at input i + t - 1. */
  weight: Tensor;
  /** (n). */
  bias: Tensor;

  constructor(channels: number, options: LayerOptions = {}) {
    super();
    this.channels = channels;
    const opts = { device: options.device, dtype: options.dtype };
    // PyTorch's Conv1d init: fan_in = (in / groups) * kernel = 3.
    this.weight = this.registerParameter('weight', kaimingUniform_(T.zeros([channels, 1, 3], opts), { a: Math.sqrt(5) }));
    const bound = 1 / Math.sqrt(3);
    this.bias = this.registerParameter('bias', uniform_(T.zeros([channels], opts), -bound, bound), { noDecay: true });
  }

  /** (..., D, n) -> (..., D, n), zero-padded at both ends of D. */
  forward(phi: Tensor): Tensor {
    return depthwiseConv3(phi, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `${this.channels}, ${this.channels}, kernel_size=3, padding=1, groups=${this.channels}`;
  }
}

/**
 * `spatial_attn`: scores = DepthwiseConv1d(phi) along D, alpha = softmax over the n bumps of
 * scores / max(tau, 1), u_i = sum_j alpha_ij phi_ij.
 */
export function spatialAttention(phi: Tensor, conv: DepthwiseConv1d, tau: Tensor): Tensor {
  return T.tidy(() => {
    const alpha = rowSoftmax(T.div(conv.forward(phi), temperature(tau)));
    return sumBumps(T.mul(alpha, phi));
  });
}
