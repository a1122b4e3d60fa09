export { MoELayer, type MoELayerOptions, type MoEStats } from './moe-layer.js';
export { dispatch, type Dispatch } from './dispatch.js';
export { moeFeedForward, moeLayers, moeAuxLoss, moeStats, setTemperature } from './model.js';
