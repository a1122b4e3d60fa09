import { DTypeError, DeviceMismatchError, ShapeError, Tensor, ValueError, isFloat } from '@nonlinear/tensor';

/**
 * Checks a layer's input: a live float tensor of shape (..., inFeatures), on the backend and of
 * the dtype of the layer's parameters. The layer's name leads every message.
 */
export function checkLayerInput(layer: string, x: unknown, like: Tensor, inFeatures: number): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${layer}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  x.assertLive(layer);
  if (!isFloat(x.dtype)) throw new DTypeError(`${layer}: input must be float32 or float64, got ${x.dtype}`);
  if (x.dtype !== like.dtype) throw new DTypeError(`${layer}: input is ${x.dtype} but the parameters are ${like.dtype}`);
  if (x.backend !== like.backend) {
    throw new DeviceMismatchError(`${layer}: input is on ${x.device} but the parameters are on ${like.device}; move one of them (await module.to('${x.device}'))`);
  }
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(`${layer}: expected input of shape [..., ${inFeatures}], got [${x.shape.join(', ')}]`);
  }
}
