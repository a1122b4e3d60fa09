export { ActivationModule, checkActivationInput } from './module.js';
export { checkCoefficients, toStoredLayout, fromStoredLayout, initCoefficients, type CoefficientOptions, type CoefficientTensors, type StoredLayout } from './coefficients.js';
export { polyRelu, polyReluReference, PolyReLU, type PolyReLUOptions } from './polyrelu.js';
export { recomputeGrads } from './kernel-util.js';
export { polyNorm, polyNormReference, rmsNormalize, POLYNORM_EPS, PolyNorm, type PolyNormOptions } from './polynorm.js';
export { polyCom, innerFunction, INNER_NAMES, PolyCom, type PolyComType, type InnerName, type InnerFunction, type PolyComOptions } from './polycom.js';
export {
  reluSquared, ReLU, ReLU2, GELU, SiLU, LeakyReLU, ELU, SELU, Softplus, Sigmoid, Tanh, type GELUOptions, type LeakyReLUOptions, type ELUOptions, type SoftplusOptions,
} from './baselines.js';
export { activation, activationKinds, type ActivationKind, type ActivationOptions } from './registry.js';
export { FeedForward, SwiGLU, swigluGate, feedForward, matchedHidden, type FeedForwardKind, type FeedForwardOptions, type MLPBlockOptions } from './ffn.js';
export { symmetricEigenvalues, singularValuesOf, singularValues, effectiveRankOf, effectiveRank } from './erank.js';
