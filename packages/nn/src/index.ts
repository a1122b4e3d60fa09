// In progress: only the safetensors reader/writer exists so far (modules, layers, losses,
// initialisers and optimizers come later).
export * from './safetensors/index.js';
