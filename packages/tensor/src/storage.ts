import type { Backend } from './backend/backend.js';
import type { DType } from './dtype.js';

/**
 * A backend buffer shared by a tensor and all its views. The buffer is freed when the last
 * handle referring to it is disposed.
 */
export class Storage {
  /** Number of tensor handles viewing this storage. */
  refs = 0;
  constructor(
    /** The backend that allocated the buffer. */
    readonly backend: Backend,
    /** The backend's buffer object: a {@link CpuBuffer} or a {@link GpuBuffer}. */
    readonly buffer: unknown,
    /** Capacity in elements. */
    readonly size: number,
    /** Element type of the buffer. */
    readonly dtype: DType,
  ) {}

  /** Size in bytes (bool takes 1 byte on cpu, 4 on webgpu). */
  get bytes(): number {
    return this.size * (this.dtype === 'float64' ? 8 : this.dtype === 'bool' && this.backend.name === 'cpu' ? 1 : 4);
  }

  /** Counts one more handle; called by the Tensor constructor. */
  retain(): void {
    this.refs++;
  }

  /** Drops one handle and frees the buffer when none is left; called by `Tensor.dispose`. */
  release(): void {
    if (--this.refs === 0) this.backend.free(this.buffer);
  }
}
