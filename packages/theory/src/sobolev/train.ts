import * as T from '@nonlinear/tensor';
import { ValueError, type Backend, type Tensor } from '@nonlinear/tensor';
import { Adam, LBFGS, LRScheduler, cosineLr, mse, type UnaryModule } from '@nonlinear/nn';
import { haltonPoints } from './points.js';
import type { SobolevTarget } from './targets.js';

/**
 * Fitting a model to a target by least squares on a fixed quasi-random training set: full-batch
 * Adam with a cosine learning-rate decay, then L-BFGS with a strong-Wolfe line search until its
 * tolerances stop it (or its iteration budget runs out). The PolyCom coefficients train with the
 * matrices, at the same learning rate.
 */

/** Options of {@link fitTarget}. */
export interface FitOptions {
  /**
   * Training points: the first N of the Halton sequence after a skip of 997 (default
   * max(256, 4 P) for a model of P parameters, at most 8192, so larger models do not interpolate
   * a sparse sample).
   */
  points?: number;
  /** Full-batch Adam steps (default 2000). */
  adamSteps?: number;
  /** Peak Adam learning rate; cosine decay to lr / 100 (default 1e-2). */
  lr?: number;
  /** L-BFGS iterations (default 500; 0 skips the phase). */
  lbfgsIterations?: number;
  /** Backend of the model. */
  device?: string | Backend;
  /** dtype of the model (default float32). */
  dtype?: 'float32' | 'float64';
  /** Read the loss back every this many Adam steps, to track it and keep the device queue short (default 50). */
  readEvery?: number;
}

/** What training did. */
export interface FitResult {
  /** Mean squared error on the training set after Adam. */
  adamLoss: number;
  /** Mean squared error on the training set at the end. */
  finalLoss: number;
  /** Adam steps run (fewer than asked when the loss became non-finite). */
  adamSteps: number;
  /** Closure evaluations of L-BFGS. */
  lbfgsEvaluations: number;
  /** Whether the loss stayed finite. */
  finite: boolean;
  /** Wall time of the fit in ms. */
  ms: number;
}

const positiveInt = (name: string, v: number, min = 1): void => {
  if (!Number.isInteger(v) || v < min) throw new ValueError(`fitTarget: ${name} must be an integer >= ${min}, got ${v}`);
};

/** Trains `model` to fit `target` on [0, 1]^d (see the file comment). */
export async function fitTarget(model: UnaryModule, target: SobolevTarget, options: FitOptions = {}): Promise<FitResult> {
  const n = options.points ?? Math.min(8192, Math.max(256, 4 * model.numParameters()));
  const adamSteps = options.adamSteps ?? 2000;
  const lr = options.lr ?? 1e-2;
  const lbfgsIterations = options.lbfgsIterations ?? 500;
  const readEvery = options.readEvery ?? 50;
  positiveInt('points', n);
  positiveInt('adamSteps', adamSteps, 0);
  positiveInt('lbfgsIterations', lbfgsIterations, 0);
  positiveInt('readEvery', readEvery);
  if (!(lr > 0)) throw new ValueError(`fitTarget: lr must be positive, got ${lr}`);
  const started = performance.now();
  const pts = haltonPoints(n, target.dim, { skip: 997 });
  const dt = { device: options.device, dtype: options.dtype ?? 'float32' } as const;
  const x = T.tensor(pts, { ...dt, shape: [n, target.dim] });
  const y = T.tensor(target.value(pts), { ...dt, shape: [n, 1] });
  const params = model.parameters();
  const lossOf = (): Tensor => T.tidy(() => mse(model.forward(x).reshape([n, 1]), y));
  let adamLoss = NaN;
  let finite = true;
  let stepsRun = 0;
  try {
    if (adamSteps > 0) {
      const opt = new Adam(params, { lr });
      const sched = new LRScheduler(opt, cosineLr(lr, { totalSteps: adamSteps, minLr: lr / 100 }));
      try {
        for (let i = 0; i < adamSteps; i++) {
          opt.zeroGrad();
          const loss = lossOf();
          loss.backward();
          opt.step();
          sched.step();
          stepsRun++;
          if (i % readEvery === readEvery - 1 || i === adamSteps - 1) {
            adamLoss = await loss.item();
            if (!Number.isFinite(adamLoss)) finite = false;
          }
          loss.dispose();
          if (!finite) break;
        }
      } finally {
        opt.zeroGrad();
        opt.dispose();
      }
    }
    let finalLoss = adamLoss;
    let evals = 0;
    if (finite && lbfgsIterations > 0) {
      const lbfgs = new LBFGS(params, {
        lineSearch: 'strongWolfe', maxIter: lbfgsIterations, maxEval: Math.ceil(lbfgsIterations * 1.25),
        // float64 can go much further than float32 before round-off stalls the line search.
        toleranceGrad: dt.dtype === 'float64' ? 1e-12 : 1e-9, toleranceChange: dt.dtype === 'float64' ? 1e-16 : 1e-12, historySize: 50,
      });
      try {
        await lbfgs.step(() => {
          evals++;
          lbfgs.zeroGrad();
          const loss = lossOf();
          loss.backward();
          return loss;
        });
      } finally {
        lbfgs.zeroGrad();
        lbfgs.dispose();
      }
      const last = T.noGrad(lossOf);
      finalLoss = await last.item();
      last.dispose();
      finite = Number.isFinite(finalLoss);
    } else if (adamSteps === 0) {
      const last = T.noGrad(lossOf);
      finalLoss = adamLoss = await last.item();
      last.dispose();
    }
    return { adamLoss, finalLoss, adamSteps: stepsRun, lbfgsEvaluations: evals, finite, ms: performance.now() - started };
  } finally {
    T.dispose([x, y]);
  }
}
