export * from './sobolev/index.js';
export * from './mle/index.js';
export * from './rates/index.js';
export { MemoryResultStore, type KeyedRecord, type ResultStore } from './store.js';
