import { Tensor, ValueError, zerosLike } from '@nonlinear/tensor';
import { add, fusedUpdate, mul, neg, sub, type E } from './fused.js';
import { Optimizer, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/** Options of {@link SGD} (PyTorch's arguments of torch.optim.SGD). */
export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor (default 0: plain SGD). */
  momentum?: number;
  /** Dampening of the gradient's contribution to the momentum buffer (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
  /** Ascend the objective instead of descending it. */
  maximize?: boolean;
}

/** An SGD parameter group's hyper-parameters, every option filled in. */
export type SGDHyper = Required<SGDOptions>;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
 * with PyTorch's update rule:
 *
 *     g = grad + weightDecay * p
 *     buf = g                                       (first step)
 *     buf = momentum * buf + (1 - dampening) * g    (later steps)
 *     g = nesterov ? g + momentum * buf : buf
 *     p = p - lr * g
 *
 * Each parameter's update (parameter and momentum buffer) is one fused kernel.
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Params<SGDHyper>, options: SGDOptions) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<SGDHyper>): void {
    super.validateGroup(g);
    if (typeof g.lr !== 'number' || Number.isNaN(g.lr)) throw new ValueError('SGD: lr is required');
    if (!(g.momentum >= 0)) throw new ValueError(`SGD: invalid momentum ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new ValueError(`SGD: invalid weightDecay ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new ValueError('SGD: Nesterov momentum needs momentum > 0 and dampening 0');
  }

  step(): void {
    this.eachGrad((p, grad, group, s) => {
      const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
      s.step = ((s.step as number | undefined) ?? 0) + 1;
      const decayed = (x: Record<'p' | 'g' | 'wd', E>): E => {
        const g = maximize ? neg(x.g) : x.g;
        return weightDecay !== 0 ? add(g, mul(x.p, x.wd)) : g;
      };
      if (momentum === 0) {
        fusedUpdate('SGD.step', [p], { p, g: grad, wd: weightDecay, lr }, (x) => [sub(x.p, mul(x.lr, decayed(x)))]);
        return;
      }
      let first = false;
      if (!(s.momentumBuffer instanceof Tensor)) {
        s.momentumBuffer = this.own(zerosLike(p));
        first = true;
      }
      const buf = s.momentumBuffer as Tensor;
      // First step: buf = 0 * buf + 1 * g = g exactly; later: momentum * buf + (1 - dampening) * g.
      fusedUpdate('SGD.step', [p, buf], {
        p, g: grad, buf, wd: weightDecay, lr, mu: momentum,
        a: first ? 0 : momentum,
        b: first ? 1 : 1 - dampening,
      }, (x) => {
        const g = decayed(x);
        const b2 = add(mul(x.buf, x.a), mul(g, x.b));
        const d = nesterov ? add(g, mul(b2, x.mu)) : b2;
        return [sub(x.p, mul(x.lr, d)), b2];
      });
    });
  }

  protected override checkLoadedState(p: Tensor, s: ParamState, index: number): void {
    if (s.momentumBuffer !== undefined && s.momentumBuffer !== null) this.checkLike(p, s.momentumBuffer, 'momentumBuffer', index);
  }
}
