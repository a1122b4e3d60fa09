export * from './safetensors/index.js';
export * from './optim/index.js';
export * from './errors.js';
export * from './parameter.js';
export * from './module.js';
export * from './init.js';
export * from './layers/index.js';
export * from './losses.js';
