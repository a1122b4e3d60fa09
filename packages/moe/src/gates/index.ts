export { Gate, type GateKind, type GateOutput, type RouteOptions, type GateBaseOptions } from './gate.js';
export { SoftmaxGate } from './softmax.js';
export { TopKGate, type TopKGateOptions } from './topk.js';
export { TemperatureGate, gumbelNoise, type TemperatureGateOptions } from './temperature.js';
export { ActivationGate, type ActivationGateOptions, type BiasPlacement } from './activation.js';
export { SigmoidGate, type SigmoidGateOptions } from './sigmoid.js';
export { ExpertChoiceGate, type ExpertChoiceGateOptions } from './expert-choice.js';
export { createGate, gateKinds, type GateOptions } from './build.js';
export { loadBalancingLoss, routerZLoss } from './losses.js';
export {
  temperatureSchedule, exponentialTemperature, linearTemperature, type TemperatureSchedule, type TemperatureScheduleKind, type TemperatureScheduleOptions,
} from './schedules.js';
