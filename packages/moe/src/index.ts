export * from './gates/index.js';
export * from './gaussian/index.js';
