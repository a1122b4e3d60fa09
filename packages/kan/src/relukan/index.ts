export { ReLUKANLayer, RELU_KAN_OPTION_KEYS, type ReLUKANOptions } from './layer.js';
export { reluKanBasis, reluKanBasisReference, RELU_KAN_BASIS } from './basis.js';
