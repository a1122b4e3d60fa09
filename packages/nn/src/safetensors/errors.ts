import { NonlinearError } from '@nonlinear/tensor';

/**
 * A safetensors file (or a set of tensors to write) that breaks the format: a bad header length,
 * a header that is not a JSON object, an unknown dtype, a bad shape, offsets outside the data
 * section or overlapping, a byte count that does not match dtype and shape, bytes no tensor
 * covers... The message says what was wrong and, where there is one, for which tensor
 * (also in {@link SafetensorsError.tensor}).
 */
export class SafetensorsError extends NonlinearError {
  /** The tensor the problem is about, when it is about one. */
  readonly tensor: string | undefined;

  constructor(message: string, tensor?: string) {
    super(message);
    this.tensor = tensor;
  }
}
