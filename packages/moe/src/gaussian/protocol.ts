import { ValueError } from '@nonlinear/tensor';
import { checkParams, cloneParams, type GaussianGateKind, type GaussianMoEParams } from './params.js';
import { withSeed } from './rng.js';
import { gateActivation } from './sigma.js';

/** Options of {@link protocolTruth}. */
export interface ProtocolTruthOptions {
  /** The gate (default 'softmax'). */
  gate?: GaussianGateKind;
  /** The activation of the activation gate (default 'tanh'). */
  activation?: string;
  /** Temperature (temperature gate: default 1; activation gate: the activation's default below). */
  tau?: number;
}

/**
 * The activation gates' true gate (expert 1; expert 2 is the reference), our choice since
 * the paper's values are not published: the protocol's softmax gate (-8 + 25 x) switches
 * experts at x = 0.32 inside [0, 1], but sigma(25 x) - 8 stays below the reference for a
 * bounded sigma, so each activation gets (beta1, beta0, tau) that switch at x ~ 0.3 with
 * logits spanning about [-5, 5] on [0, 1].
 */
const ACTIVATION_GATES: Record<string, { beta1: number; beta0: number; tau: number }> = {
  tanh: { beta1: 2, beta0: -0.5, tau: 0.1 },
  sigmoid: { beta1: 5, beta0: -0.35, tau: 0.05 },
  gelu: { beta1: 2, beta0: -0.5, tau: 0.1 },
  gelu_tanh: { beta1: 2, beta0: -0.5, tau: 0.1 },
  silu: { beta1: 2, beta0: -0.4, tau: 0.1 },
  softplus: { beta1: 2, beta0: -1.1, tau: 0.15 },
  elu: { beta1: 2, beta0: -0.6, tau: 0.1 },
};

/**
 * The true model of the simulation protocol (spec moe.md): d = 1, k* = 2, gate of expert 1
 * (beta0, beta1) = (-8, 25) with expert 2 the reference (0, 0), experts (b, a) = (15, -20) and
 * (-5, 20), noise standard deviations 0.3 and 0.4 (nu = 0.09, 0.16).
 * - 'temperature': the same beta with tau (default 1, where it equals the softmax gate).
 * - 'activation': softmax((sigma(beta1 x) + beta0) / tau) with the per-activation gate
 *   documented at ACTIVATION_GATES in the source (tanh: beta1 = 2, beta0 = -0.5, tau = 0.1).
 */
export function protocolTruth(options: ProtocolTruthOptions = {}): GaussianMoEParams {
  const gate = options.gate ?? 'softmax';
  const experts = { a: Float64Array.of(-20, 20), b: Float64Array.of(15, -5), nu: Float64Array.of(0.09, 0.16) };
  let p: GaussianMoEParams;
  if (gate === 'activation') {
    const name = options.activation ?? 'tanh';
    gateActivation(name, 'protocolTruth');
    const g = ACTIVATION_GATES[name]!;
    p = { k: 2, d: 1, gate, activation: name, beta1: Float64Array.of(g.beta1, 0), beta0: Float64Array.of(g.beta0, 0), tau: options.tau ?? g.tau, ...experts };
  } else {
    if (options.activation !== undefined) throw new ValueError(`protocolTruth: activation is for the activation gate, got gate '${gate}'`);
    if (gate === 'softmax' && options.tau !== undefined && options.tau !== 1) throw new ValueError(`protocolTruth: the softmax gate has tau = 1 (use gate 'temperature')`);
    p = { k: 2, d: 1, gate, beta1: Float64Array.of(25, 0), beta0: Float64Array.of(-8, 0), tau: gate === 'softmax' ? 1 : options.tau ?? 1, ...experts };
  }
  checkParams(p, 'protocolTruth');
  return p;
}

/** Options of {@link initNearTruth}. */
export interface InitNearTruthOptions {
  /** Seed of the perturbation (a non-negative integer). */
  seed: number;
  /**
   * Perturbation size (default 0.1): each beta1, beta0, a, b gets scale N(0, 1) added; nu and
   * tau are multiplied by exp(scale N(0, 1)) to stay positive.
   */
  scale?: number;
  /**
   * How many fitted experts each true atom gets (length k*, sum k, each >= 1; the last atom,
   * the reference, keeps its own reference copy). Default: one each, then the extra k - k*
   * experts added round-robin starting from atom 1.
   */
  split?: readonly number[];
}

/** A start from {@link initNearTruth}: the parameters and each fitted expert's true atom. */
export interface InitNearTruthResult extends GaussianMoEParams {
  /** cells[i] is the true atom (0-based) fitted expert i was split from, (k). */
  cells: Int32Array;
}

/**
 * A starting point near the truth for exact-specified (k = k*) and over-specified (k > k*)
 * fits. Over-specified: atom j is split into m_j nearby copies whose gate intercepts are
 * lowered by tau log m_j (and every atom's by -tau log m_ref, m_ref the reference atom's count),
 * so each Voronoi cell keeps the true cell's total gate weight before the perturbation; the
 * independent perturbations break the symmetry between copies (identical copies would stay
 * identical under EM). Copies of atom j are consecutive; the reference expert stays last with
 * its gate parameters exactly 0. `cells` gives each fitted expert's true atom.
 */
export function initNearTruth(truth: GaussianMoEParams, k: number, options: InitNearTruthOptions): InitNearTruthResult {
  const op = 'initNearTruth';
  checkParams(truth, op, true);
  const ks = truth.k;
  const d = truth.d;
  if (!Number.isInteger(k) || k < ks) throw new ValueError(`${op}: k must be an integer >= the true k* = ${ks}, got ${k}`);
  const scale = options.scale ?? 0.1;
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new ValueError(`${op}: scale must be a finite number >= 0, got ${scale}`);
  let counts: number[];
  if (options.split) {
    counts = [...options.split];
    if (counts.length !== ks || counts.some((c) => !Number.isInteger(c) || c < 1) || counts.reduce((a, c) => a + c, 0) !== k) {
      throw new ValueError(`${op}: split must hold k* = ${ks} integers >= 1 summing to k = ${k}, got [${counts.join(', ')}]`);
    }
  } else {
    counts = new Array<number>(ks).fill(1);
    for (let e = 0; e < k - ks; e++) counts[e % ks]! += 1;
  }
  const cells = new Int32Array(k);
  let pos = 0;
  for (let j = 0; j < ks; j++) for (let c = 0; c < counts[j]!; c++) cells[pos++] = j;
  const tau = truth.tau;
  const logRef = Math.log(counts[ks - 1]!);
  const p: GaussianMoEParams = {
    ...cloneParams(truth), k,
    beta1: new Float64Array(k * d), beta0: new Float64Array(k), a: new Float64Array(k * d), b: new Float64Array(k), nu: new Float64Array(k),
  };
  withSeed(op, options.seed, (draw) => {
    const z = draw.normal(k * (2 * d + 3) + 1);
    let q = 0;
    for (let i = 0; i < k; i++) {
      const j = cells[i]!;
      const ref = i === k - 1;
      for (let l = 0; l < d; l++) {
        p.beta1[i * d + l] = ref ? 0 : truth.beta1[j * d + l]! + scale * z[q]!;
        q++;
        p.a[i * d + l] = truth.a[j * d + l]! + scale * z[q++]!;
      }
      p.beta0[i] = ref ? 0 : truth.beta0[j]! - tau * (Math.log(counts[j]!) - logRef) + scale * z[q]!;
      q++;
      p.b[i] = truth.b[j]! + scale * z[q++]!;
      p.nu[i] = truth.nu[j]! * Math.exp(scale * z[q++]!);
    }
    if (truth.gate !== 'softmax') p.tau = tau * Math.exp(scale * z[q]!);
  });
  checkParams(p, op, true);
  return { ...p, cells };
}
