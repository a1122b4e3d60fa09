import type { DType, TypedArray } from '../dtype.js';
import type { Kernel, View } from './kernel.js';

/** Memory statistics of one backend. */
export interface BackendMemory {
  /** Bytes held by live storages. */
  readonly bytesInUse: number;
  /** Bytes sitting in the reuse pool (webgpu), free for the next allocation of their size class. */
  readonly pooledBytes: number;
  /** Buffers in the reuse pool. */
  readonly pooledBuffers: number;
}

/**
 * The whole device interface: allocate, free, write, read, run a kernel. Everything above it
 * (shapes, broadcasting, autograd, the op library) is backend-independent.
 */
export interface Backend<B = unknown> {
  /** 'cpu' or 'webgpu'. */
  readonly name: 'cpu' | 'webgpu';
  /** Human-readable description of the device (adapter vendor and architecture for webgpu). */
  readonly description: string;
  /**
   * How many tensors (inputs and outputs together) one kernel may bind: the device's
   * maxStorageBuffersPerShaderStage on webgpu; Infinity on cpu. Fused kernels with many operands
   * check it and run as a composition of smaller kernels beyond it.
   */
  readonly maxKernelTensors: number;
  /** Whether tensors of `dtype` can live here (webgpu has no float64). */
  supportsDType(dtype: DType): boolean;
  /** A buffer for `size` elements of `dtype`; contents undefined. */
  alloc(size: number, dtype: DType, op: string): B;
  /** Returns a buffer; on webgpu it is reused only after the work reading it was submitted. */
  free(buffer: B): void;
  /** Uploads `data` to the start of `buffer`. */
  write(buffer: B, dtype: DType, data: TypedArray): void;
  /** Reads `size` elements starting at element `offset`. Resolves after all queued work. */
  read(buffer: B, dtype: DType, offset: number, size: number): Promise<TypedArray>;
  /** Records a kernel; outputs are written in place. `scalars` are the expression's runtime scalars. */
  run(kernel: Kernel, inputs: readonly View<B>[], outputs: readonly View<B>[], scalars?: readonly number[]): void;
  /** Submits recorded work (webgpu batches; cpu runs eagerly). */
  flush(): void;
  /** Bytes in use and pooled. */
  memory(): BackendMemory;
  /** Resolves when all work submitted so far has finished (cpu: at once). */
  sync?(): Promise<void>;
  /** Synchronous read, where the backend can (cpu). */
  readSync?(buffer: B, dtype: DType, offset: number, size: number): TypedArray;
}
