import type { Backend } from './backend/backend.js';
import type { DType } from './dtype.js';

/**
 * A backend buffer shared by a tensor and all its views. The buffer is freed when the last
 * handle referring to it is disposed.
 */
export class Storage {
  refs = 0;
  constructor(
    readonly backend: Backend,
    readonly buffer: unknown,
    readonly size: number,
    readonly dtype: DType,
  ) {}

  get bytes(): number {
    return this.size * (this.dtype === 'float64' ? 8 : this.dtype === 'bool' && this.backend.name === 'cpu' ? 1 : 4);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs === 0) this.backend.free(this.buffer);
  }
}
