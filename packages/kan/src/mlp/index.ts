export { MLPLayer, MLP_LAYER_OPTION_KEYS, activationFlops, type MLPLayerOptions } from './layer.js';
