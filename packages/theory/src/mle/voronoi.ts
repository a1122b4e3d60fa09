/**
 * Voronoi losses between a fitted Gaussian MoE G and the truth G* (moe.md, from the released code
 * of Nguyen, Akbarian, Ho): each fitted atom theta_i = (beta1_i, a_i, b_i, nu_i) (plus tau with a
 * temperature) joins the cell A_j of its nearest true atom, and the loss weighs each atom's
 * parameter errors by its gate weight exp(beta0_i / tau), plus the mismatch of the summed weights
 * per cell. D1 is the exact-specified loss (every difference to the first power); D2 the
 * over-specified one (cells with several atoms raise their differences to r(|A_j|) or r/2).
 */
import { ValueError } from '@nonlinear/tensor';
import type { GaussianMoEParams } from '@nonlinear/moe';
import { checkPair } from './check.js';

/** Options of the Voronoi losses. */
export interface VoronoiOptions {
  /**
   * The temperature form: tau joins theta (for the cells) and each atom's difference, and the
   * weights are exp(beta0 / tau). Default: on for the temperature and activation gates (both
   * estimate tau), off for softmax (tau fixed at 1).
   */
  temperature?: boolean;
  /**
   * r(m), the exponent of the differences of beta1, b (and tau) in a cell of m > 1 atoms (a and
   * nu get r / 2). Default `solvability`: r(2) = 4, r(3) = 6 as in the paper, 2m beyond.
   */
  solvability?: (m: number) => number;
}

/**
 * The solvability exponent r(m) of the over-specified loss: 4 for two atoms in a cell and 6 for
 * three (the values the softmax-gating paper computes), extended as 2m for larger cells (a
 * reconstruction: the paper gives no value there).
 */
export function solvability(m: number): number {
  if (!Number.isInteger(m) || m < 2) throw new ValueError(`solvability: a multi-atom cell has m >= 2 atoms, got ${m}`);
  return 2 * m;
}

/** One fitted atom's differences to the true atom of its cell. */
export interface AtomDifferences {
  /** Index of the fitted expert. */
  atom: number;
  /** Index of the true expert (the cell). */
  cell: number;
  /** Gate weight exp(beta0_i / tau) (exp(beta0_i) without temperature). */
  weight: number;
  /** ||beta1_i - beta1*_j||. */
  beta1: number;
  /** ||a_i - a*_j||. */
  a: number;
  /** |b_i - b*_j|. */
  b: number;
  /** |nu_i - nu*_j|. */
  nu: number;
  /** |tau - tau*| (0 without temperature). */
  tau: number;
}

/** The Voronoi cells of a fit and each atom's differences (the pieces every loss is built from). */
export interface VoronoiCells {
  /** cells[j] lists the fitted atoms nearest to true atom j (possibly none). */
  cells: number[][];
  /** One entry per fitted atom, in atom order. */
  atoms: AtomDifferences[];
  /** The true weights exp(beta0*_j / tau*). */
  trueWeights: number[];
  /** Whether the temperature form was used. */
  temperature: boolean;
}

const row = (arr: Float64Array, i: number, d: number): Float64Array => arr.subarray(i * d, (i + 1) * d);

function dist(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += (u[i]! - v[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Assigns every fitted atom to the cell of its nearest true atom in theta = (beta1, a, b, nu)
 * (plus tau with temperature; tau is shared by all atoms, so it never changes the assignment),
 * Euclidean distance; a tie goes to the lower true index.
 *
 * @throws ValueError when the two models differ in d, gate or activation, or hold malformed values.
 */
export function voronoiCells(fit: GaussianMoEParams, truth: GaussianMoEParams, options: VoronoiOptions = {}): VoronoiCells {
  checkPair('voronoiCells', fit, truth);
  const temperature = options.temperature ?? fit.gate !== 'softmax';
  const d = fit.d;
  const tauFit = temperature ? fit.tau : 1;
  const tauTrue = temperature ? truth.tau : 1;
  const dtau = temperature ? Math.abs(fit.tau - truth.tau) : 0;
  const cells: number[][] = Array.from({ length: truth.k }, () => []);
  const atoms: AtomDifferences[] = [];
  for (let i = 0; i < fit.k; i++) {
    let best = 0;
    let bestD = Infinity;
    const parts: AtomDifferences[] = [];
    for (let j = 0; j < truth.k; j++) {
      const diff: AtomDifferences = {
        atom: i, cell: j, weight: Math.exp(fit.beta0[i]! / tauFit),
        beta1: dist(row(fit.beta1, i, d), row(truth.beta1, j, d)),
        a: dist(row(fit.a, i, d), row(truth.a, j, d)),
        b: Math.abs(fit.b[i]! - truth.b[j]!),
        nu: Math.abs(fit.nu[i]! - truth.nu[j]!),
        tau: dtau,
      };
      parts.push(diff);
      const dd = diff.beta1 ** 2 + diff.a ** 2 + diff.b ** 2 + diff.nu ** 2;
      if (dd < bestD) {
        bestD = dd;
        best = j;
      }
    }
    cells[best]!.push(i);
    atoms.push(parts[best]!);
  }
  const trueWeights = Array.from(truth.beta0, (b0) => Math.exp(b0 / tauTrue));
  return { cells, atoms, trueWeights, temperature };
}

/** Sum over cells of |sum of the fitted weights in the cell - the true weight|. */
function weightMismatch(v: VoronoiCells): number {
  let s = 0;
  v.cells.forEach((cell, j) => {
    const w = cell.reduce((acc, i) => acc + v.atoms[i]!.weight, 0);
    s += Math.abs(w - v.trueWeights[j]!);
  });
  return s;
}

/**
 * The exact-specified Voronoi loss
 * `D1 = sum_j sum_{i in A_j} w_i (||d beta1|| + ||d a|| + |d b| + |d nu| [+ |d tau|]) + sum_j |sum_{i in A_j} w_i - w*_j|`,
 * with w = exp(beta0) (exp(beta0 / tau) and the |d tau| term in the temperature form). Zero at
 * the truth; meant for k = k* but defined for any k (empty cells count their whole true weight).
 */
export function voronoiD1(fit: GaussianMoEParams, truth: GaussianMoEParams, options: VoronoiOptions = {}): number {
  const v = voronoiCells(fit, truth, options);
  let s = weightMismatch(v);
  for (const at of v.atoms) s += at.weight * (at.beta1 + at.a + at.b + at.nu + at.tau);
  return s;
}

/**
 * The over-specified Voronoi loss D2: as D1, except that in a cell with m = |A_j| > 1 atoms the
 * differences of beta1, b (and tau) are raised to r(m) and those of a and nu to r(m) / 2
 * (`options.solvability`, default r(2) = 4, r(3) = 6). Single-atom cells keep exponent 1, so D2
 * equals D1 when every cell holds one atom. Where tau goes is a reconstruction: with beta1, the
 * other gate parameter it is linearly tied to.
 */
export function voronoiD2(fit: GaussianMoEParams, truth: GaussianMoEParams, options: VoronoiOptions = {}): number {
  const v = voronoiCells(fit, truth, options);
  const r = options.solvability ?? solvability;
  let s = weightMismatch(v);
  for (const cell of v.cells) {
    const m = cell.length;
    const e = m > 1 ? r(m) : 1;
    if (!(e > 0) || !Number.isFinite(e)) throw new ValueError(`voronoiD2: solvability(${m}) = ${e}; exponents must be finite and > 0`);
    const h = m > 1 ? e / 2 : 1;
    for (const i of cell) {
      const at = v.atoms[i]!;
      s += at.weight * (at.beta1 ** e + at.b ** e + at.tau ** e + at.a ** h + at.nu ** h);
    }
  }
  return s;
}

/** Weighted first-power errors of one parameter group, summed over the atoms of some cells. */
export interface ParameterGroupErrors {
  /** sum w_i ||d beta1_i||. */
  beta1: number;
  /** sum w_i |d tau| (0 without temperature). */
  tau: number;
  /** sum w_i ||d a_i||. */
  a: number;
  /** sum w_i |d b_i|. */
  b: number;
  /** sum w_i |d nu_i|. */
  nu: number;
  /** Number of fitted atoms summed. */
  atoms: number;
}

/** Per-parameter errors: the pieces of D1, split by whether the atom's cell holds one atom or several. */
export interface ParameterErrors {
  /** sum_j |sum_{i in A_j} w_i - w*_j|, the mixing-weight part of D1 and D2. */
  weights: number;
  /** Atoms alone in their cell (the n^-1/2 parameters of an over-specified fit). */
  single: ParameterGroupErrors;
  /** Atoms that share their cell (the slow parameters of an over-specified fit); zeros when none. */
  multi: ParameterGroupErrors;
  /** The cells, as `voronoiCells` gives them. */
  cells: number[][];
}

/**
 * The per-parameter errors behind the Voronoi losses, first power and gate-weighted as in D1, so
 * each parameter's rate can be fitted on its own (moe.md's table of expected rates lists them
 * separately). `weights + single.* + multi.*` sums to D1.
 */
export function parameterErrors(fit: GaussianMoEParams, truth: GaussianMoEParams, options: VoronoiOptions = {}): ParameterErrors {
  const v = voronoiCells(fit, truth, options);
  const zero = (): ParameterGroupErrors => ({ beta1: 0, tau: 0, a: 0, b: 0, nu: 0, atoms: 0 });
  const single = zero();
  const multi = zero();
  for (const cell of v.cells) {
    const g = cell.length > 1 ? multi : single;
    for (const i of cell) {
      const at = v.atoms[i]!;
      g.beta1 += at.weight * at.beta1;
      g.tau += at.weight * at.tau;
      g.a += at.weight * at.a;
      g.b += at.weight * at.b;
      g.nu += at.weight * at.nu;
      g.atoms++;
    }
  }
  return { weights: weightMismatch(v), single, multi, cells: v.cells };
}
