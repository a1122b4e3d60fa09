import { DTypeError, ValueError, isFloat, noGrad, rand, randn, updateInPlace, type Tensor } from '@nonlinear/tensor';

/**
 * Initialisers after torch.nn.init. Each writes into `t` in place (under noGrad, so parameters
 * can be initialised after registration) and returns `t`. Random ones draw from the global
 * generator (T.rand / T.randn), so T.manualSeed(s) reproduces them on either backend.
 */

/** Names accepted by calculateGain (PyTorch's spelling). */
export type Nonlinearity =
  | 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';

/** Which fan Kaiming init scales by: inputs (`'fan_in'`) or outputs (`'fan_out'`). */
export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain); `param` is leaky_relu's slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) throw new ValueError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fanIn and fanOut of a weight shaped like PyTorch's: [out, in, ...kernel] (a Linear weight
 * [out, in] has fanIn = in). Needs at least 2 dims.
 */
export function calculateFanInAndFanOut(shape: Tensor | readonly number[], op = 'calculateFanInAndFanOut'): {
  /** Inputs feeding each output unit: shape[1] x receptive field. */
  fanIn: number;
  /** Outputs each input unit feeds: shape[0] x receptive field. */
  fanOut: number;
} {
  const s = Array.isArray(shape) ? (shape as readonly number[]) : (shape as Tensor).shape;
  if (s.length < 2) throw new ValueError(`${op}: fan in and fan out need a tensor of at least 2 dims, got shape [${s.join(', ')}]`);
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}

function checkFloat(op: string, t: Tensor): void {
  t.assertLive(op);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: can only fill float tensors with random values, got ${t.dtype}`);
}

/** Overwrites t with src (same shape) and disposes src. */
function overwrite(op: string, t: Tensor, src: Tensor): Tensor {
  try {
    noGrad(() => updateInPlace(op, [t], [src], (x) => [x]));
  } finally {
    src.dispose();
  }
  return t;
}

/** Fills t with U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  checkFloat('uniform_', t);
  if (!(a <= b)) throw new ValueError(`uniform_: need a <= b, got a=${a}, b=${b}`);
  return overwrite('uniform_', t, rand(t.shape, { device: t.backend, dtype: t.dtype, low: a, high: b }));
}

/** Fills t with N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  checkFloat('normal_', t);
  if (!(std >= 0)) throw new ValueError(`normal_: std must be >= 0, got ${std}`);
  return overwrite('normal_', t, randn(t.shape, { device: t.backend, dtype: t.dtype, mean, std }));
}

/** Fills t with `value`. */
export function constant_(t: Tensor, value: number): Tensor {
  t.assertLive('constant_');
  noGrad(() => updateInPlace('constant_', [t], [value], (v) => [v]));
  return t;
}

/** Fills t with 0 in place and returns it (`torch.nn.init.zeros_`). */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/** Fills t with 1 in place and returns it (`torch.nn.init.ones_`). */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, 'xavierUniform_');
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, 'xavierNormal_');
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/**
 * Options of {@link kaimingUniform_} and {@link kaimingNormal_} (PyTorch's `a`, `mode`,
 * `nonlinearity`).
 */
export interface KaimingOptions {
  /** Negative slope of the leaky_relu that follows (default 0; Linear's default init uses sqrt(5)). */
  a?: number;
  /** 'fan_in' (default) preserves the forward variance, 'fan_out' the backward one. */
  mode?: FanMode;
  /** Default 'leaky_relu', as in PyTorch. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = options;
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new ValueError(`${op}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  const { fanIn, fanOut } = calculateFanInAndFanOut(t, op);
  const fan = mode === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) throw new ValueError(`${op}: cannot initialise a tensor with a zero-sized dimension (shape [${t.shape.join(', ')}])`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with b = gain * sqrt(3 / fan). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound);
}

/** He normal: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options));
}
