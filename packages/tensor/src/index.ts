export { Tensor, type TensorLike, type NestedArray } from './tensor.js';
export { type DType, type TypedArray, DTYPES, isFloat, promoteTypes } from './dtype.js';
export * from './errors.js';
export { type Shape, broadcastShapes, sizeOf } from './shape.js';
export { tidy, keep, dispose, memory, type MemoryInfo, type Tracked, type Disposable } from './memory.js';
export { setBackend, getBackend, initBackend, backendByName, sync, type BackendName, type BackendChoice } from './backend/select.js';
export type { Backend, BackendMemory } from './backend/backend.js';
export type { Kernel, View, ReduceOp, ElementwiseKernel, ReduceKernel, MatmulKernel, GatherKernel, ScatterAddKernel, CumsumKernel, TopkKernel, RandomKernel, RowsKernel, RowStat } from './backend/kernel.js';
export { CpuBackend, type CpuBuffer } from './backend/cpu/cpu-backend.js';
export { WebGPUBackend } from './backend/webgpu/webgpu-backend.js';
export type { GpuBuffer } from './backend/webgpu/pool.js';
export type { GpuContext } from './backend/webgpu/device.js';
export { Storage } from './storage.js';
export { manualSeed, getRngState, setRngState, rand, randn, randint } from './random.js';
export { tensor, full, zeros, ones, zerosLike, onesLike, fullLike, arange, linspace, eye, type CreationOptions } from './ops/creation.js';
export {
  map, updateInPlace, cast, identity, type ElementwiseGrad, type MapOptions, neg, abs, square, sign, relu, floor, ceil, round, exp, log, log1p, expm1, sqrt, rsqrt, reciprocal,
  sin, cos, tanh, erf, sigmoid, silu, gelu, softplus, leakyRelu, elu, selu, SELU_ALPHA, SELU_SCALE, clamp, isnan, isinf, add, sub, mul, div, pow, maximum, minimum,
  eq, ne, lt, le, gt, ge, logicalAnd, logicalOr, logicalNot, where, maskedFill, type GeluOptions, type SoftplusOptions,
  type Operand, type Compute,
} from './ops/elementwise.js';
export { sum, mean, max, min, prod, variance, variance as var_, std, logsumexp, softmax, logSoftmax, norm, argmax, argmin, cumsum, type VarOptions, type Dims } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { gather, indexSelect, embedding, oneHot, scatterAdd, topk, concat, cat, stack, split, chunk, pad, triu, tril } from './ops/indexing.js';
export { reshape, view, permute, transpose, expand, index, narrow, select, squeeze, unsqueeze, flatten, contiguous, clone, type IndexSpec } from './ops/view.js';
export * as expr from './expr.js';
export { erf as erfScalar } from './backend/cpu/math.js';
export { noGrad, enableGrad, isGradEnabled, gradients, sumToShape, GraphFreedError, type GradientOptions, type BackwardFn, record } from './autograd/tape.js';
export { grad, valueAndGrad, vjp, type FunctionalOptions } from './autograd/functional.js';
export { gradcheck, type GradcheckOptions, type GradcheckReport } from './autograd/gradcheck.js';
export { autotuneMatmul, type AutotuneResult } from './tune.js';
export { type MatmulConfig, type TileConfig, type DotConfig, type SharedConfig, MATMUL_CANDIDATES, defaultMatmulConfig, configKey as matmulConfigKey } from './backend/webgpu/kernels/matmul.js';
export { type ShapeClass, type TunedConfigs, shapeClass } from './backend/webgpu/autotune.js';
export { fuse, Sym, type FusedFn } from './ops/fuse.js';
export { layerNorm, rmsNorm } from './ops/norm.js';
export { rowProgram, type RowBuilder, type RowProgramOptions } from './ops/rows.js';
