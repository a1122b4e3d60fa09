import { protocolTruth, type GaussianMoEParams } from '../gaussian/index.js';

/** Known models for the recovery tests: every gate, d = 1 and 2, k = 2 and 3 (regions of each expert inside [0, 1]^d). */

const f = (...v: number[]): Float64Array => Float64Array.from(v);

export const RECOVERY_TRUTHS: [string, GaussianMoEParams][] = [
  ['softmax k=2 d=1 (protocol)', protocolTruth()],
  ['softmax k=3 d=1', { k: 3, d: 1, gate: 'softmax', tau: 1, beta1: f(40, 15, 0), beta0: f(-26, -5, 0), a: f(-10, 8, 5), b: f(12, -2, 3), nu: f(0.09, 0.04, 0.16) }],
  ['softmax k=2 d=2', { k: 2, d: 2, gate: 'softmax', tau: 1, beta1: f(12, -6, 0, 0), beta0: f(-3, 0), a: f(3, -2, -2, 4), b: f(1, -1), nu: f(0.1, 0.2) }],
  ['softmax k=3 d=2', { k: 3, d: 2, gate: 'softmax', tau: 1, beta1: f(10, 0, 0, 10, 0, 0), beta0: f(-6, -4, 0), a: f(2, 1, -3, 2, 1, -1), b: f(0, 2, -1), nu: f(0.05, 0.1, 0.2) }],
  ['temperature k=2 d=1', protocolTruth({ gate: 'temperature', tau: 0.5 })],
  ['temperature k=3 d=1', { k: 3, d: 1, gate: 'temperature', tau: 0.5, beta1: f(20, 7.5, 0), beta0: f(-13, -2.5, 0), a: f(-10, 8, 5), b: f(12, -2, 3), nu: f(0.09, 0.04, 0.16) }],
  ['temperature k=3 d=2', { k: 3, d: 2, gate: 'temperature', tau: 2, beta1: f(20, 0, 0, 20, 0, 0), beta0: f(-12, -8, 0), a: f(2, 1, -3, 2, 1, -1), b: f(0, 2, -1), nu: f(0.05, 0.1, 0.2) }],
  ['activation tanh k=2 d=1 (protocol)', protocolTruth({ gate: 'activation', activation: 'tanh' })],
  ['activation sigmoid k=2 d=1 (protocol)', protocolTruth({ gate: 'activation', activation: 'sigmoid' })],
  ['activation tanh k=2 d=2', { k: 2, d: 2, gate: 'activation', activation: 'tanh', tau: 0.15, beta1: f(2, -1, 0, 0), beta0: f(-0.3, 0), a: f(3, -2, -2, 4), b: f(1, -1), nu: f(0.1, 0.2) }],
  ['activation tanh k=3 d=2', { k: 3, d: 2, gate: 'activation', activation: 'tanh', tau: 0.1, beta1: f(3, 0, 0, 3, 0, 0), beta0: f(-0.6, -0.6, 0), a: f(2, 1, -3, 2, 1, -1), b: f(0, 2, -1), nu: f(0.05, 0.1, 0.2) }],
  ['activation sigmoid k=3 d=1', { k: 3, d: 1, gate: 'activation', activation: 'sigmoid', tau: 0.05, beta1: f(8, -8, 0), beta0: f(-0.45, 0.25, 0), a: f(-10, 8, 5), b: f(12, -2, 3), nu: f(0.09, 0.04, 0.16) }],
];
