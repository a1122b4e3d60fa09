/** Checks shared by the losses: a fitted and a true Gaussian MoE that can be compared. */
import { ValueError } from '@nonlinear/tensor';
import { checkParams, type GaussianMoEParams } from '@nonlinear/moe';

/** Checks both models (moe's `checkParams`) and that they are one family: input dimension, gate kind and activation. */
export function checkPair(op: string, fit: GaussianMoEParams, truth: GaussianMoEParams): void {
  checkParams(fit, `${op} (fit)`);
  checkParams(truth, `${op} (truth)`);
  if (fit.d !== truth.d) throw new ValueError(`${op}: fit has d = ${fit.d} but truth has d = ${truth.d}`);
  if (fit.gate !== truth.gate) throw new ValueError(`${op}: fit has a ${fit.gate} gate but truth a ${truth.gate} gate`);
  if (fit.gate === 'activation' && fit.activation !== truth.activation) {
    throw new ValueError(`${op}: fit uses activation ${fit.activation} but truth ${truth.activation}`);
  }
}
