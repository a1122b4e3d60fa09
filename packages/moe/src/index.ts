export * from './gates/index.js';
export * from './layer/index.js';
export * from './gaussian/index.js';
