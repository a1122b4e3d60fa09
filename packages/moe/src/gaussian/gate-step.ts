import { choleskySolve } from './linalg.js';
import type { GaussianMoEParams } from './params.js';
import { gateActivation, type GateActivation } from './sigma.js';

/**
 * The gate's M-step of EM as a generalized-EM step: Newton ascent on
 * Q(theta) = sum_s sum_i r_si log g_i(x_s; theta) (responsibilities r fixed) with a backtracking
 * (Armijo) line search, so Q never decreases and therefore neither does the likelihood.
 *
 * theta packs, for each non-reference expert i < k - 1, (beta1_i (d), beta0_i), then
 * s = log tau when the temperature is fitted. With u the gate logits and w = r - g,
 *   dQ/dtheta = sum_s J_s^T w_s,   -d2Q = sum_s J_s^T (diag g_s - g_s g_s^T) J_s - sum_s sum_i w_si d2u_si,
 * J_s = du_s/dtheta (k rows). The first term (the Fisher / IRLS matrix) is positive
 * semi-definite; the second vanishes for the softmax gate, whose step is therefore IRLS. The
 * matrix gets a small ridge (the temperature gate has an exactly flat direction: scaling beta
 * and tau together leaves u unchanged) and a growing one while it is not positive definite.
 */
export class GateStep {
  /** Number of gate coordinates. */
  readonly P: number;
  private readonly k: number;
  private readonly d: number;
  private readonly hasTau: boolean;
  private readonly sigma: GateActivation | null;
  /** The gradient of Q at the last {@link derivatives} call (P). */
  readonly grad: Float64Array;
  /** Minus the Hessian of Q at the last {@link derivatives} call (P P, row-major). */
  readonly M: Float64Array;
  private readonly phi: Float64Array;
  private readonly u: Float64Array;
  private readonly g: Float64Array;
  private readonly c: Float64Array;
  private readonly s2: Float64Array;
  private readonly sd = new Float64Array(3);
  private readonly delta: Float64Array;
  private readonly trial: Float64Array;

  /** A step for the gate of `p` (its kind, k, d, activation), the temperature fitted when `fitTau`. */
  constructor(p: GaussianMoEParams, fitTau: boolean) {
    this.k = p.k;
    this.d = p.d;
    this.hasTau = fitTau && p.gate !== 'softmax';
    this.sigma = p.gate === 'activation' ? gateActivation(p.activation) : null;
    this.P = (p.k - 1) * (p.d + 1) + (this.hasTau ? 1 : 0);
    this.grad = new Float64Array(this.P);
    this.M = new Float64Array(this.P * this.P);
    this.phi = new Float64Array(this.k * (this.d + 1));
    this.u = new Float64Array(this.k);
    this.g = new Float64Array(this.k);
    this.c = new Float64Array(this.k);
    this.s2 = new Float64Array(this.k);
    this.delta = new Float64Array(this.P);
    this.trial = new Float64Array(this.P);
  }

  /** The gate coordinates of p. */
  pack(p: GaussianMoEParams, theta = new Float64Array(this.P)): Float64Array {
    const { k, d } = this;
    for (let i = 0; i < k - 1; i++) {
      for (let j = 0; j < d; j++) theta[i * (d + 1) + j] = p.beta1[i * d + j]!;
      theta[i * (d + 1) + d] = p.beta0[i]!;
    }
    if (this.hasTau) theta[this.P - 1] = Math.log(p.tau);
    return theta;
  }

  /** Writes gate coordinates back into p (the reference expert stays at 0). */
  unpack(theta: Float64Array, p: GaussianMoEParams): void {
    const { k, d } = this;
    for (let i = 0; i < k - 1; i++) {
      for (let j = 0; j < d; j++) p.beta1[i * d + j] = theta[i * (d + 1) + j]!;
      p.beta0[i] = theta[i * (d + 1) + d]!;
    }
    if (this.hasTau) p.tau = Math.exp(theta[this.P - 1]!);
  }

  /** The factor 1 / tau at theta. */
  private invTau(theta: Float64Array, tau: number): number {
    return this.hasTau ? Math.exp(-theta[this.P - 1]!) : 1 / tau;
  }

  /**
   * Logits u (k) of sample s into this.u (e = 1 / tau, uRef the reference's logit); with
   * `derivs`, also c_i = du_i/d(beta1_i.x) and (activation) s2_i = e sigma''.
   */
  private logits(theta: Float64Array, e: number, uRef: number, x: Float64Array, s: number, derivs: boolean): void {
    const { k, d, u, c, s2, sigma, sd } = this;
    for (let i = 0; i < k - 1; i++) {
      const o = i * (d + 1);
      let z = 0;
      for (let j = 0; j < d; j++) z += theta[o + j]! * x[s * d + j]!;
      if (sigma) {
        if (derivs) {
          sigma.all(z, sd);
          u[i] = (sd[0]! + theta[o + d]!) * e;
          c[i] = sd[1]! * e;
          s2[i] = sd[2]! * e;
        } else u[i] = (sigma.f(z) + theta[o + d]!) * e;
      } else {
        u[i] = (z + theta[o + d]!) * e;
        if (derivs) {
          c[i] = e;
          s2[i] = 0;
        }
      }
    }
    u[k - 1] = uRef;
  }

  /** log-sum-exp of this.u; fills this.g with the softmax. */
  private softmax(): number {
    const { k, u, g } = this;
    let m = -Infinity;
    for (let i = 0; i < k; i++) m = Math.max(m, u[i]!);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      g[i] = Math.exp(u[i]! - m);
      acc += g[i]!;
    }
    for (let i = 0; i < k; i++) g[i] = g[i]! / acc;
    return m + Math.log(acc);
  }

  /** Q(theta) for responsibilities r (n k). */
  objective(theta: Float64Array, tau: number, x: Float64Array, r: Float64Array, n: number): number {
    const { k, u } = this;
    const e = this.invTau(theta, tau);
    const uRef = this.sigma ? this.sigma.f(0) * e : 0;
    let q = 0;
    for (let s = 0; s < n; s++) {
      this.logits(theta, e, uRef, x, s, false);
      const lse = this.softmax();
      for (let i = 0; i < k; i++) q += r[s * k + i]! * (u[i]! - lse);
    }
    return q;
  }

  /**
   * Q, its gradient (this.grad) and minus its Hessian (this.M) at theta. J_si is nonzero only
   * in block i, phi_si = (c_i x_s, e), and in the log-tau column (-u_si), so the Fisher part is
   * accumulated block by block: (i, j) gets g_i (delta_ij - g_j) phi_i phi_j^T, (i, tau) gets
   * -g_i (u_i - ubar) phi_i and (tau, tau) the gate variance of u.
   */
  derivatives(theta: Float64Array, tau: number, x: Float64Array, r: Float64Array, n: number): number {
    const { k, d, P, u, g, c, s2, grad, M, hasTau } = this;
    const sigma = this.sigma !== null;
    const m = d + 1;
    const sc = P - 1;
    const phi = this.phi;
    grad.fill(0);
    M.fill(0);
    const e = this.invTau(theta, tau);
    const uRef = this.sigma ? this.sigma.f(0) * e : 0;
    let q = 0;
    for (let s = 0; s < n; s++) {
      this.logits(theta, e, uRef, x, s, true);
      const lse = this.softmax();
      const xo = s * d;
      let ubar = 0;
      let u2 = 0;
      let gs = 0;
      for (let i = 0; i < k; i++) {
        const ri = r[s * k + i]!;
        q += ri * (u[i]! - lse);
        ubar += g[i]! * u[i]!;
        u2 += g[i]! * u[i]! * u[i]!;
        gs -= (ri - g[i]!) * u[i]!;
      }
      for (let i = 0; i < k - 1; i++) {
        const o = i * m;
        for (let j = 0; j < d; j++) phi[o + j] = c[i]! * x[xo + j]!;
        phi[o + d] = e;
        const w = r[s * k + i]! - g[i]!;
        for (let a = 0; a < m; a++) grad[o + a] = grad[o + a]! + w * phi[o + a]!;
      }
      for (let i = 0; i < k - 1; i++) {
        const gi = g[i]!;
        const oi = i * m;
        for (let j = i; j < k - 1; j++) {
          const coef = i === j ? gi * (1 - gi) : -gi * g[j]!;
          const oj = j * m;
          for (let a = 0; a < m; a++) {
            const ca = coef * phi[oi + a]!;
            for (let b = i === j ? a : 0; b < m; b++) M[(oi + a) * P + oj + b] = M[(oi + a) * P + oj + b]! + ca * phi[oj + b]!;
          }
        }
        if (sigma) {
          // Curvature of sigma: -w_i sigma''(z_i) e x x^T on the beta1_i block.
          const w = r[s * k + i]! - gi;
          for (let j = 0; j < d; j++) {
            const cj = w * s2[i]! * x[xo + j]!;
            for (let l = j; l < d; l++) M[(oi + j) * P + oi + l] = M[(oi + j) * P + oi + l]! - cj * x[xo + l]!;
          }
        }
      }
      if (hasTau) {
        grad[sc] = grad[sc]! + gs;
        let wu = 0;
        for (let i = 0; i < k; i++) wu += (r[s * k + i]! - g[i]!) * u[i]!;
        M[sc * P + sc] = M[sc * P + sc]! + u2 - ubar * ubar - wu;
        for (let i = 0; i < k - 1; i++) {
          const oi = i * m;
          const w = r[s * k + i]! - g[i]!;
          const f = -g[i]! * (u[i]! - ubar);
          // Fisher part plus the curvature of u in (beta, log tau): +w c_i x and +w e.
          for (let j = 0; j < d; j++) M[(oi + j) * P + sc] = M[(oi + j) * P + sc]! + f * phi[oi + j]! + w * c[i]! * x[xo + j]!;
          M[(oi + d) * P + sc] = M[(oi + d) * P + sc]! + f * e + w * e;
        }
      }
    }
    for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) M[a * P + b] = M[b * P + a]!;
    return q;
  }

  /**
   * Up to `steps` damped Newton steps from the gate of p, written back into p. Returns the
   * gain in Q (>= 0: a step that does not raise Q is not taken).
   */
  run(p: GaussianMoEParams, x: Float64Array, r: Float64Array, n: number, steps: number): number {
    const { P, grad, M, delta, trial } = this;
    if (P === 0) return 0;
    const theta = this.pack(p);
    let gain = 0;
    for (let it = 0; it < steps; it++) {
      const q0 = this.derivatives(theta, p.tau, x, r, n);
      let maxDiag = 0;
      for (let a = 0; a < P; a++) maxDiag = Math.max(maxDiag, Math.abs(M[a * P + a]!));
      if (!(maxDiag > 0) || !Number.isFinite(maxDiag)) break;
      let ok = false;
      for (let lambda = 1e-10 * maxDiag; lambda < 1e8 * maxDiag; lambda *= 100) {
        if (choleskySolve(M, P, grad, delta, lambda)) {
          ok = true;
          break;
        }
      }
      if (!ok) for (let a = 0; a < P; a++) delta[a] = grad[a]! / maxDiag;
      let slope = 0;
      for (let a = 0; a < P; a++) slope += grad[a]! * delta[a]!;
      // At the optimum (to round-off) no step can raise Q measurably: skip the line search,
      // which would otherwise spend all its trials there.
      if (!(slope > 1e-14 * (1 + Math.abs(q0)))) break;
      let t = 1;
      let accepted = false;
      for (let tries = 0; tries < 30; tries++, t /= 2) {
        for (let a = 0; a < P; a++) trial[a] = theta[a]! + t * delta[a]!;
        const q1 = this.objective(trial, p.tau, x, r, n);
        if (Number.isFinite(q1) && q1 >= q0 + 1e-4 * t * slope) {
          theta.set(trial);
          gain += q1 - q0;
          accepted = true;
          break;
        }
      }
      if (!accepted) break;
      this.unpack(theta, p);
    }
    return gain;
  }
}
