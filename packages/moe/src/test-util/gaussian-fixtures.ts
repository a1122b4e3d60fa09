import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GaussianMoEParams } from '../gaussian/params.js';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_moe_gaussian_fixtures.py. */

export interface GaussianFixture {
  name: string;
  params: { k: number; d: number; gate: GaussianMoEParams['gate']; tau: number; activation?: string; beta1: number[]; beta0: number[]; a: number[]; b: number[]; nu: number[] };
  x: number[];
  y: number[];
  /** g_i(x_s), (n k). */
  gateWeights: number[];
  /** log p(y_s | x_s), (n). */
  logDensity: number[];
  logLikelihood: number;
  /** d LL / d (beta1 and beta0 of the non-reference experts, a, b, log nu, log tau). */
  grad: { beta1: number[]; beta0: number[]; a: number[]; b: number[]; log_nu: number[]; log_tau?: number[] };
}

export function loadGaussianFixtures(): GaussianFixture[] {
  const path = fileURLToPath(new URL('../../test/fixtures/gaussian.json', import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: GaussianFixture[] }).cases;
}

/** The fixture's model as package parameters. */
export function fixtureParams(f: GaussianFixture): GaussianMoEParams {
  const p = f.params;
  return {
    k: p.k, d: p.d, gate: p.gate, tau: p.tau, ...(p.activation !== undefined ? { activation: p.activation } : {}),
    beta1: Float64Array.from(p.beta1), beta0: Float64Array.from(p.beta0), a: Float64Array.from(p.a), b: Float64Array.from(p.b), nu: Float64Array.from(p.nu),
  };
}

/** A Float64Array in the shape compareFixture reads. */
export function asFixtureTensor(v: Float64Array): { shape: number[]; data(): Promise<Float64Array> } {
  return { shape: [v.length], data: async () => v };
}

export { compareFixture } from '../../../../tools/testing/fixtures.js';
