export {
  Optimizer, type BaseHyper, type OptimizerStateDict, type ParamGroup, type ParamGroupSpec, type ParamState, type Params, type StateValue,
} from './optimizer.js';
export { SGD, type SGDOptions, type SGDHyper } from './sgd.js';
export { Adam, type AdamOptions, type AdamHyper } from './adam.js';
export { AdamW } from './adamw.js';
export { LBFGS, cubicInterpolate, type LBFGSOptions, type LBFGSHyper, type Closure } from './lbfgs.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export {
  constantLr, stepLr, exponentialLr, cosineLr, oneCycleLr, oneCycleMomentum, type Schedule, type CosineOptions, type OneCycleOptions,
} from './schedules.js';
export { LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';
