export * from './sobolev/index.js';
export * from './mle/index.js';
