/** A GPU buffer owned by the pool, with the size class it was allocated for. */
export interface GpuBuffer {
  /** The WebGPU buffer (storage, copy source and destination). */
  readonly buffer: GPUBuffer;
  /** The size class the buffer was created with (at least the requested size). */
  readonly bytes: number;
}

/**
 * Rounds a request up to its size class: powers of two split into quarters, so a reused buffer
 * wastes at most 25% and a workload of similar shapes hits the pool after the first step.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const p = 2 ** Math.floor(Math.log2(bytes));
  const q = p / 4;
  return Math.ceil(bytes / q) * q;
}

/**
 * Buffers released by tensors wait in `pending` until the command batch that may still read
 * them has been submitted; only then can a new owner reuse them (a queue.writeBuffer to a
 * reused buffer would otherwise land before the earlier reads in the same batch).
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private pending: GpuBuffer[] = [];
  private pooled = 0;
  private count = 0;

  constructor(private readonly create: (bytes: number) => GPUBuffer) {}

  acquire(bytes: number): GpuBuffer {
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    const reused = list?.pop();
    if (reused) {
      this.pooled -= cls;
      this.count--;
      return { buffer: reused, bytes: cls };
    }
    return { buffer: this.create(cls), bytes: cls };
  }

  release(b: GpuBuffer): void {
    this.pending.push(b);
  }

  /** Called after a submit: pending buffers become reusable. */
  submitted(): void {
    for (const b of this.pending) {
      let list = this.free.get(b.bytes);
      if (!list) this.free.set(b.bytes, (list = []));
      list.push(b.buffer);
      this.pooled += b.bytes;
      this.count++;
    }
    this.pending = [];
  }

  /** Destroys every pooled buffer (like torch.cuda.empty_cache). */
  empty(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooled = 0;
    this.count = 0;
  }

  get pooledBytes(): number {
    return this.pooled;
  }

  get pooledBuffers(): number {
    return this.count;
  }

  get pendingBytes(): number {
    return this.pending.reduce((s, b) => s + b.bytes, 0);
  }
}
