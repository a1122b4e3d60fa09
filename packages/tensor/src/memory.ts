import type { Backend } from './backend/backend.js';

/** Anything tidy() can clean up. */
export interface Disposable {
  /** Releases the handle; calling it twice is harmless. */
  dispose(): void;
  /** True once {@link Disposable.dispose} has run. */
  readonly isDisposed: boolean;
}

/** What the memory scopes track: a disposable handle that knows its storage size. */
export interface Tracked extends Disposable {
  /** Bytes of the storage behind the handle. */
  readonly storageBytes: number;
}

const scopes: Set<Tracked>[] = [];
const kept = new WeakSet<Tracked>();
let live = 0;
const backendsSeen = new Set<Backend>();

/** Called by every new tensor handle. */
export function track(t: Tracked, backend: Backend): void {
  live++;
  backendsSeen.add(backend);
  scopes[scopes.length - 1]?.add(t);
}

/** Called once when a tensor handle is disposed. */
export function untrack(t: Tracked): void {
  live--;
  for (let i = scopes.length - 1; i >= 0; i--) if (scopes[i]!.delete(t)) break;
}

/** Exempts a tensor from the enclosing tidy() scopes; it must then be disposed by hand. */
export function keep<T extends Tracked>(t: T): T {
  kept.add(t);
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(value: unknown, out: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ('dispose' in value && 'isDisposed' in value) {
    out.add(value);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (in an array,
 * object or Map) and those passed to keep(). Returned tensors move to the enclosing scope.
 * If fn throws, everything it created is disposed before the error propagates.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tracked>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.isDisposed) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t.isDisposed) t.dispose();
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise); await outside tidy');
  }
  const keepSet = new Set<unknown>();
  collect(result, keepSet);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t) || kept.has(t)) parent?.add(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}

/** Disposes every tensor found in a value (a tensor, an array, an object of tensors). */
export function dispose(value: unknown): void {
  const s = new Set<unknown>();
  collect(value, s);
  for (const t of s) (t as Disposable).dispose();
}

/** What {@link memory} reports: a snapshot of live tensors and device bytes. */
export interface MemoryInfo {
  /** Tensor handles not yet disposed (views count separately). */
  readonly liveTensors: number;
  /** Bytes held by live storages, summed over backends (size-class rounded on webgpu). */
  readonly bytesInUse: number;
  /** Bytes kept in reuse pools. */
  readonly pooledBytes: number;
  /** Buffers kept in reuse pools. */
  readonly pooledBuffers: number;
  /** The same figures per backend name ('cpu', 'webgpu'). */
  readonly backends: Record<string, {
    /** Bytes held by this backend's live storages. */
    bytesInUse: number;
    /** Bytes in this backend's reuse pool. */
    pooledBytes: number;
    /** Buffers in this backend's reuse pool. */
    pooledBuffers: number;
  }>;
}

/** Live tensors and bytes, for leak tests and dashboards. */
export function memory(): MemoryInfo {
  const backends: MemoryInfo['backends'] = {};
  let bytes = 0;
  let pooled = 0;
  let buffers = 0;
  for (const b of backendsSeen) {
    const m = b.memory();
    // Summed by name: a second backend of the same kind (a separate WebGPUBackend) must not hide the first.
    const prev = backends[b.name];
    backends[b.name] = prev
      ? { bytesInUse: prev.bytesInUse + m.bytesInUse, pooledBytes: prev.pooledBytes + m.pooledBytes, pooledBuffers: prev.pooledBuffers + m.pooledBuffers }
      : { bytesInUse: m.bytesInUse, pooledBytes: m.pooledBytes, pooledBuffers: m.pooledBuffers };
    bytes += m.bytesInUse;
    pooled += m.pooledBytes;
    buffers += m.pooledBuffers;
  }
  return { liveTensors: live, bytesInUse: bytes, pooledBytes: pooled, pooledBuffers: buffers, backends };
}
