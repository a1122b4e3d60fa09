import { DTypeError, DeviceMismatchError, Tensor, ValueError, isFloat } from '@nonlinear/tensor';
import { Module, type Activation, type UnaryModule } from '@nonlinear/nn';

/**
 * The base of every activation in this package: an nn Module (so an activation with learnable
 * coefficients registers them, and a model that holds it trains and saves them) whose
 * `forward(x)` is the activation.
 */
export abstract class ActivationModule extends Module implements UnaryModule {
  /** Applies the activation; the result is the caller's to dispose. */
  abstract forward(x: Tensor): Tensor;

  /**
   * `forward` as a plain function `(x) => Tensor`, for APIs that take one (nn's `MLP`
   * `activation` option). Such an API does not register the module, so the coefficients of a
   * PolyCom activation passed this way are neither trained by an optimizer built from the MLP's
   * parameters nor saved with it: use {@link FeedForward} for those.
   */
  get fn(): Activation {
    const f = (x: Tensor): Tensor => this.forward(x);
    Object.defineProperty(f, 'name', { value: this.moduleName });
    return f;
  }
}

/**
 * Checks an activation's input: a live float tensor, and, when the module has coefficients, of
 * their dtype and on their backend. The layer's name leads every message.
 */
export function checkActivationInput(layer: string, x: unknown, like: Tensor | null): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${layer}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(layer);
  if (!isFloat(x.dtype)) throw new DTypeError(`${layer}: input must be float32 or float64, got ${x.dtype}`);
  if (!like) return;
  if (x.dtype !== like.dtype) throw new DTypeError(`${layer}: input is ${x.dtype} but the coefficients are ${like.dtype}`);
  if (x.backend !== like.backend) {
    throw new DeviceMismatchError(`${layer}: input is on ${x.device} but the coefficients are on ${like.device}; move one of them (await module.to('${x.device}'))`);
  }
}
