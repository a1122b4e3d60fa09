export { AFKANLayer, AFKAN_OPTION_KEYS, reluKanGrid, type AFKANOptions, type BumpGrid } from './layer.js';
export { AFKAN_ACTIVATIONS, activationDef, applyActivation, type AFKANActivation, type ActivationDef } from './activations.js';
export { AFKAN_FUNCTIONS, functionDef, type AFKANFunction, type FunctionDef } from './functions.js';
export { afkanBasis, afkanBasisReference, afkanFamily } from './basis.js';
export { l2mm, l2mmReference, L2MM_MODES, L2MM_EPS, type L2MMMode } from './l2mm.js';
export { AFKAN_REDUCTIONS, DepthwiseConv1d, globalAttention, sumBumps, multistep, spatialAttention, type AFKANReduction } from './reductions.js';
export { AFKAN_COMBINES, combineOutputs, combineFlops, type AFKANCombine } from './combine.js';
