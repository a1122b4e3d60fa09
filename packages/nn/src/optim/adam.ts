import { Tensor, ValueError, zerosLike } from '@nonlinear/tensor';
import { add, div, fusedUpdate, max, mul, neg, sqrt, sub, type E } from './fused.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/** Options of {@link Adam} and AdamW (PyTorch's arguments of torch.optim.Adam / AdamW). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates of the first and second moment averages (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  /** The AMSGrad variant: normalise by the running maximum of the second moment. */
  amsgrad?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

/** An Adam or AdamW parameter group's hyper-parameters, every option filled in. */
export interface AdamHyper {
  /** Learning rate. */
  lr: number;
  /** Decay rates of the first and second moment averages. */
  betas: [number, number];
  /** Added to the denominator. */
  eps: number;
  /** L2 penalty (Adam) or decoupled decay rate (AdamW). */
  weightDecay: number;
  /** Whether the AMSGrad variant is used. */
  amsgrad: boolean;
  /** Whether the objective is maximised. */
  maximize: boolean;
}

function hyper(options: AdamOptions, weightDecay: number): AdamHyper {
  const betas = options.betas ?? [0.9, 0.999];
  return {
    lr: options.lr ?? 1e-3,
    betas: [betas[0], betas[1]],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? weightDecay,
    amsgrad: options.amsgrad ?? false,
    maximize: options.maximize ?? false,
  };
}

/**
 * Adam (Kingma & Ba) with PyTorch's update rule, step t counted per parameter from 1:
 *
 *     g = grad + weightDecay * p          (Adam; AdamW instead scales p by 1 - lr * weightDecay)
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g^2
 *     vmax = max(vmax, v)                 (amsgrad; vmax replaces v below)
 *     p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 *
 * Each parameter's update (parameter and moments) is one fused kernel; the learning rate and
 * bias corrections are runtime scalars, so schedules never recompile it.
 */
export class Adam extends Optimizer<AdamHyper> {
  /** Decoupled weight decay (AdamW). */
  protected readonly decoupled: boolean = false;

  constructor(params: Params<AdamHyper>, options: AdamOptions = {}) {
    super(params, hyper(options, 0));
  }

  protected override validateGroup(g: ParamGroup<AdamHyper>): void {
    super.validateGroup(g);
    const name = this.constructor.name;
    if (!(g.eps >= 0)) throw new ValueError(`${name}: invalid eps ${g.eps}`);
    g.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new ValueError(`${name}: invalid beta at index ${i}: ${b}`);
    });
    if (!(g.weightDecay >= 0)) throw new ValueError(`${name}: invalid weightDecay ${g.weightDecay}`);
  }

  step(): void {
    const decoupled = this.decoupled;
    this.eachGrad((p, grad, group, s) => {
      const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
      const [beta1, beta2] = betas;
      if (!(s.expAvg instanceof Tensor)) {
        s.step = 0;
        s.expAvg = this.own(zerosLike(p));
        s.expAvgSq = this.own(zerosLike(p));
      }
      if (amsgrad && !(s.maxExpAvgSq instanceof Tensor)) s.maxExpAvgSq = this.own(zerosLike(p));
      const step = (s.step as number) + 1;
      s.step = step;
      const m = s.expAvg as Tensor;
      const v = s.expAvgSq as Tensor;
      const targets = amsgrad ? [p, m, v, s.maxExpAvgSq as Tensor] : [p, m, v];
      fusedUpdate(decoupled ? 'AdamW.step' : 'Adam.step', targets, {
        p, g: grad, m, v,
        vmax: amsgrad ? (s.maxExpAvgSq as Tensor) : 0,
        stepSize: lr / (1 - beta1 ** step),
        bc2Sqrt: Math.sqrt(1 - beta2 ** step),
        b1: beta1, c1: 1 - beta1,
        b2: beta2, c2: 1 - beta2,
        eps,
        wd: weightDecay,
        decay: 1 - lr * weightDecay,
      }, (x) => {
        let g: E = maximize ? neg(x.g) : x.g;
        let p0: E = x.p;
        if (weightDecay !== 0) {
          if (decoupled) p0 = mul(x.p, x.decay);
          else g = add(g, mul(x.p, x.wd));
        }
        const m2 = add(mul(x.m, x.b1), mul(g, x.c1));
        const v2 = add(mul(x.v, x.b2), mul(mul(g, g), x.c2));
        const vmax = amsgrad ? max(x.vmax, v2) : v2;
        const denom = add(div(sqrt(vmax), x.bc2Sqrt), x.eps);
        const p2 = sub(p0, mul(x.stepSize, div(m2, denom)));
        return amsgrad ? [p2, m2, v2, vmax] : [p2, m2, v2];
      });
    });
  }

  protected override checkLoadedState(p: Tensor, s: ParamState, index: number): void {
    if (typeof s.step !== 'number') throw new ValueError(`${this.constructor.name}.loadStateDict: parameter ${index} has no step count`);
    this.checkLike(p, s.expAvg ?? null, 'expAvg', index);
    this.checkLike(p, s.expAvgSq ?? null, 'expAvgSq', index);
    if (s.maxExpAvgSq !== undefined) this.checkLike(p, s.maxExpAvgSq, 'maxExpAvgSq', index);
  }
}
