export { type GaussianGateKind, type GaussianMoEParams, cloneParams, checkParams, fixReference } from './params.js';
export { type GateActivation, gateActivation, gateActivationNames } from './sigma.js';
export { gateWeights, logDensity, logLikelihood, conditionalDensity } from './density.js';
export { type SampleOptions, type GaussianMoESample, sampleGaussianMoE } from './sample.js';
export { type GaussianMoEData, type FitFailureReason, type FitFailure, type FitResult } from './fit-result.js';
export { type EMOptions, fitEM } from './em.js';
export { type MLEOptions, fitMLE } from './mle.js';
export { type ProtocolTruthOptions, type InitNearTruthOptions, type InitNearTruthResult, protocolTruth, initNearTruth } from './protocol.js';
