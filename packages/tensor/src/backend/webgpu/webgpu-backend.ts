import type { DType, TypedArray } from '../../dtype.js';
import { BackendError, BacklogError, DeviceLostError, IndexError, NonlinearError, OutOfMemoryError } from '../../errors.js';
import type { Backend, BackendMemory } from '../backend.js';
import type { Kernel, ReduceKernel, View } from '../kernel.js';
import { type GpuContext, requestGpu } from './device.js';
import { type TunedConfigs, chooseMatmulConfig, loadTuned } from './autotune.js';
import { elementwiseProgram } from './kernels/elementwise.js';
import { cumsumProgram, gatherProgram, scatterAddProgram, topkProgram } from './kernels/indexing.js';
import { type MatmulConfig, matmulDims, matmulPrograms } from './kernels/matmul.js';
import type { Program } from './kernels/program.js';
import { randomProgram } from './kernels/random.js';
import { reduceProgram } from './kernels/reduce.js';
import { rowsProgram } from './kernels/rows.js';
import { BufferPool, type GpuBuffer } from './pool.js';
import { metaBytes, storageType } from './wgsl.js';

/** Bytes of meta per command batch; each dispatch takes a 256-byte-aligned slot. */
const META_CAPACITY = 1 << 16;
/** Rows at least this long, in reductions with fewer rows than TWO_PASS_MAX_ROWS, reduce in two passes. */
const TWO_PASS_MIN_ROW = 16384;
const TWO_PASS_MAX_ROWS = 64;
/** Bind groups kept for reuse (least recently used are dropped first). */
const BIND_GROUP_CACHE = 2048;
/**
 * Submitted batches allowed in flight. Ops only record; without a read the CPU can queue work
 * far faster than the device runs it, and an unbounded backlog ends in the driver running out
 * of descriptors. Past this, the next op raises BacklogError instead (seen at ~1,600 here).
 */
const MAX_IN_FLIGHT = 256;
/** Dispatches recorded before a batch is submitted even if nobody reads. */
const MAX_BATCH = 128;

/**
 * WebGPU backend: buffers from a size-class pool, kernels generated as WGSL and cached by
 * source, dispatches recorded into one command encoder and submitted in batches. Reading a
 * tensor flushes the batch. Errors the device reports asynchronously (out of memory, an
 * out-of-range index found by a kernel, device loss) are raised as typed errors at the next read.
 */
export class WebGPUBackend implements Backend<GpuBuffer> {
  /** {@inheritDoc Backend.name} */
  readonly name = 'webgpu' as const;
  readonly description: string;
  /** The WebGPU device every buffer and pipeline belongs to. */
  readonly device: GPUDevice;
  /** True on CPU-emulated adapters (lavapipe, SwiftShader), where kernels are tuned differently. */
  readonly isSoftware: boolean;
  /** {@inheritDoc Backend.maxKernelTensors} */
  readonly maxKernelTensors: number;
  private readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  private readonly bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  /** Submitted batches the device has not finished. */
  private inFlight = 0;
  /** Batches allowed in flight before ops raise BacklogError (see MAX_IN_FLIGHT). */
  maxInFlight = MAX_IN_FLIGHT;
  private readonly metaCpu = new Uint32Array(META_CAPACITY / 4);
  private readonly metaGpu: GPUBuffer;
  private readonly errBuffer: GPUBuffer;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private metaUsed = 0;
  private dispatches = 0;
  /** Dispatches recorded since the backend started (for overhead measurements and fusion checks). */
  dispatchCount = 0;
  private bytes = 0;
  private lostError: DeviceLostError | null = null;
  private deferred: NonlinearError[] = [];
  private readonly scopes = new Set<Promise<void>>();
  private allocOp = 'alloc';
  private readonly checks = new Map<number, string>();
  private nextCheck = 1;
  private readonly maxBinding: number;
  /** A matmul configuration forced for every shape (the autotuner and tests set it); null: chosen per shape. */
  matmulConfig: MatmulConfig | null = null;
  /** Row programs: one invocation per row (CPU-emulated adapters) or one workgroup per row (GPUs). */
  rowsPerThread: boolean;
  /** vec4s each invocation of a vectorized elementwise kernel computes: 4 on CPU-emulated adapters, 1 on GPUs. */
  elementwiseQuads: number;
  /** Tuned configurations per shape class (from autotuneMatmul or the disk cache). */
  tuned: TunedConfigs = {};
  private readonly maxPerDim: number;

  /** Requests an adapter and device and loads the adapter's tuned kernel configurations. */
  static async create(): Promise<WebGPUBackend> {
    const backend = new WebGPUBackend(await requestGpu());
    backend.tuned = await loadTuned(backend.description);
    return backend;
  }

  /** The matmul configuration for `batch` problems M x K @ K x N (see chooseMatmulConfig). */
  matmulConfigFor(M: number, N: number, K: number, batch = 1): MatmulConfig {
    return chooseMatmulConfig(M, N, K, batch, this.tuned, this.isSoftware, this.matmulConfig);
  }

  constructor(ctx: GpuContext) {
    this.device = ctx.device;
    this.description = ctx.description;
    this.isSoftware = ctx.isSoftware;
    this.rowsPerThread = ctx.isSoftware;
    this.elementwiseQuads = ctx.isSoftware ? 4 : 1;
    this.maxBinding = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    this.maxPerDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    this.maxKernelTensors = this.device.limits.maxStorageBuffersPerShaderStage;
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.pool = new BufferPool((bytes) => this.createBuffer(bytes, usage));
    this.metaGpu = this.device.createBuffer({ size: META_CAPACITY, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.errBuffer = this.device.createBuffer({ size: 16, usage });
    void this.device.lost.then((info) => {
      this.lostError = new DeviceLostError(`webgpu: the device was lost (${info.reason}): ${info.message || 'no message'}`);
    });
    this.device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      this.deferred.push(
        err instanceof GPUOutOfMemoryError
          ? new OutOfMemoryError(`webgpu: the device ran out of memory: ${err.message}`)
          : new BackendError(`webgpu: the device reported an error: ${err.message}`),
      );
    });
  }

  /** Every dtype but float64 (WGSL has no 64-bit floats). */
  supportsDType(dtype: DType): boolean {
    return dtype !== 'float64';
  }

  private alive(): void {
    if (this.lostError) throw this.lostError;
  }

  alloc(size: number, dtype: DType, op: string): GpuBuffer {
    this.alive();
    storageType(dtype);
    const bytes = Math.max(size, 1) * 4;
    if (bytes > this.maxBinding) {
      throw new OutOfMemoryError(
        `${op}: a tensor of ${size} ${dtype} elements needs ${bytes} bytes, more than this adapter's largest ` +
          `storage buffer binding (${this.maxBinding} bytes)`,
      );
    }
    this.allocOp = op;
    const b = this.pool.acquire(bytes);
    this.bytes += b.bytes;
    return b;
  }

  /** {@inheritDoc Backend.free} */
  free(buffer: GpuBuffer): void {
    this.bytes -= buffer.bytes;
    this.pool.release(buffer);
  }

  /** {@inheritDoc Backend.write} */
  write(buffer: GpuBuffer, dtype: DType, data: TypedArray): void {
    this.alive();
    if (data.length === 0) return;
    const src = dtype === 'bool' ? Uint32Array.from(data as Uint8Array) : data;
    this.device.queue.writeBuffer(buffer.buffer, 0, src.buffer, src.byteOffset, src.byteLength);
  }

  run(kernel: Kernel, inputs: readonly View<GpuBuffer>[], outputs: readonly View<GpuBuffer>[], scalars: readonly number[] = []): void {
    this.alive();
    const lim = this.maxPerDim;
    let p: Program;
    switch (kernel.kind) {
      case 'elementwise':
        p = elementwiseProgram(kernel.exprs, inputs, outputs, scalars, lim, this.elementwiseQuads);
        break;
      case 'reduce':
        if (this.reduceInTwoPasses(kernel, inputs[0]!, outputs[0]!)) return;
        p = reduceProgram(kernel.op, kernel.outer, inputs[0]!, outputs[0]!, lim);
        break;
      case 'matmul': {
        const out = outputs[0]!;
        const batch = out.shape.slice(0, -2).reduce((x, y) => x * y, 1);
        const config = this.matmulConfigFor(...matmulDims(inputs[0]!, out), batch);
        const { programs, scratch } = matmulPrograms(inputs[0]!, inputs[1]!, out, lim, config, (bytes) => this.pool.acquire(bytes));
        for (const q of programs) this.record(q);
        for (const s of scratch) this.pool.release(s);
        return;
      }
      case 'gather':
        p = gatherProgram(kernel.dim, this.check(`${kernel.op}: index out of range along dimension ${kernel.dim}`), inputs[0]!, inputs[1]!, outputs[0]!, lim);
        break;
      case 'scatterAdd':
        p = scatterAddProgram(kernel.dim, this.check(`${kernel.op}: index out of range along dimension ${kernel.dim}`), inputs[0]!, inputs[1]!, outputs[0]!, lim);
        break;
      case 'cumsum':
        p = cumsumProgram(inputs[0]!, outputs[0]!, lim);
        break;
      case 'topk':
        p = topkProgram(kernel.k, kernel.largest, inputs[0]!, outputs[0]!, outputs[1]!, lim);
        break;
      case 'random':
        p = randomProgram(kernel.dist, kernel.seed, kernel.offset, outputs[0]!, scalars, lim);
        break;
      case 'rows':
        p = rowsProgram(kernel, inputs, outputs, scalars, lim, this.rowsPerThread);
        break;
    }
    this.record(p);
  }

  /**
   * Long rows with few outputs would leave most of the device idle with one workgroup per row:
   * fold chunks of each row in parallel into partials, then fold the partials.
   */
  private reduceInTwoPasses(kernel: ReduceKernel, x: View<GpuBuffer>, out: View<GpuBuffer>): boolean {
    if (kernel.op === 'argmax' || kernel.op === 'argmin') return false;
    const nOut = x.shape.slice(0, kernel.outer).reduce((a, b) => a * b, 1);
    const nIn = x.shape.slice(kernel.outer).reduce((a, b) => a * b, 1);
    if (nIn < TWO_PASS_MIN_ROW || nOut >= TWO_PASS_MAX_ROWS) return false;
    const chunks = Math.min(256, Math.ceil(nIn / 4096));
    const partial = this.pool.acquire(nOut * chunks * 4);
    const partials: View<GpuBuffer> = { buffer: partial, dtype: x.dtype, shape: [nOut, chunks], strides: [chunks, 1], offset: 0 };
    this.record(reduceProgram(kernel.op, kernel.outer, x, partials, this.maxPerDim, chunks));
    this.record(reduceProgram(kernel.op, 1, partials, out, this.maxPerDim));
    this.pool.release(partial);
    return true;
  }

  private check(description: string): number {
    const id = this.nextCheck++;
    this.checks.set(id, description);
    return id;
  }

  /**
   * Bind group layouts are shared by every kernel with the same binding signature (outputs,
   * inputs, error buffer), and the meta block is bound with a dynamic offset, so one bind group
   * serves a kernel wherever its meta lands in a batch.
   */
  private layout(p: Program): GPUBindGroupLayout {
    const key = `${p.outputs.length}/${p.inputs.length}/${p.checksIndices ? 1 : 0}`;
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      let b = 1;
      for (let i = 0; i < p.outputs.length; i++) entries.push({ binding: b++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
      for (let i = 0; i < p.inputs.length; i++) entries.push({ binding: b++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } });
      if (p.checksIndices) entries.push({ binding: b++, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } });
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  private pipeline(p: Program): GPUComputePipeline {
    let pipeline = this.pipelines.get(p.source);
    if (!pipeline) {
      const module = this.device.createShaderModule({ code: p.source });
      const layout = this.device.createPipelineLayout({ bindGroupLayouts: [this.layout(p)] });
      pipeline = this.device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' } });
      this.pipelines.set(p.source, pipeline);
    }
    return pipeline;
  }

  /**
   * Bind groups are cached by layout, meta size and buffers. A training step replays the same
   * kernels on the same pooled buffers, so after the first step lookups hit; few bind groups
   * stay alive (Dawn frees them only when JavaScript collects their wrappers, and a flood of
   * live ones exhausts the driver's descriptor pools).
   */
  private bindGroup(p: Program, words: number): GPUBindGroup {
    const layout = this.layout(p);
    const views = [...p.outputs, ...p.inputs];
    let key = `${p.outputs.length}/${p.inputs.length}/${p.checksIndices ? 1 : 0}:${words}`;
    for (const v of views) key += `:${this.bufferId(v.buffer.buffer)}`;
    const hit = this.bindGroups.get(key);
    if (hit) {
      this.bindGroups.delete(key);
      this.bindGroups.set(key, hit);
      return hit;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.metaGpu, offset: 0, size: metaBytes(words) } }];
    let b = 1;
    for (const v of views) entries.push({ binding: b++, resource: { buffer: v.buffer.buffer } });
    if (p.checksIndices) entries.push({ binding: b++, resource: { buffer: this.errBuffer } });
    const group = this.device.createBindGroup({ layout, entries });
    this.bindGroups.set(key, group);
    if (this.bindGroups.size > BIND_GROUP_CACHE) this.bindGroups.delete(this.bindGroups.keys().next().value!);
    return group;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  private record(p: Program): void {
    if (p.grid.some((g) => g === 0)) return;
    if (this.inFlight >= this.maxInFlight) {
      throw new BacklogError(
        `webgpu: ${this.inFlight} command batches are queued on the device and none was waited for; ` +
          'in a long loop, await a read (await t.data()) or await sync() every so often',
      );
    }
    const words = p.meta.length;
    const slot = Math.ceil(metaBytes(words) / 256) * 256;
    if (this.metaUsed + slot > META_CAPACITY || this.dispatches >= MAX_BATCH) this.flush();
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.pass) this.pass = this.encoder.beginComputePass();
    const at = this.metaUsed / 4;
    for (let i = 0; i < words; i++) this.metaCpu[at + i] = p.meta[i]! >>> 0;
    const pipeline = this.pipeline(p);
    const group = this.bindGroup(p, words);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group, [this.metaUsed]);
    this.pass.dispatchWorkgroups(p.grid[0], p.grid[1], p.grid[2]);
    this.metaUsed += slot;
    this.dispatches++;
    this.dispatchCount++;
  }

  flush(): void {
    if (!this.encoder) return;
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (this.metaUsed > 0) this.device.queue.writeBuffer(this.metaGpu, 0, this.metaCpu.buffer, 0, this.metaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.inFlight++;
    void this.device.queue.onSubmittedWorkDone().then(
      () => this.inFlight--,
      () => this.inFlight--,
    );
    this.encoder = null;
    this.metaUsed = 0;
    this.dispatches = 0;
    this.pool.submitted();
  }

  async read(buffer: GpuBuffer, dtype: DType, offset: number, size: number): Promise<TypedArray> {
    this.alive();
    const bytes = size * 4;
    const staging = this.device.createBuffer({ size: bytes + 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (bytes > 0) this.encoder.copyBufferToBuffer(buffer.buffer, offset * 4, staging, 0, bytes);
    this.encoder.copyBufferToBuffer(this.errBuffer, 0, staging, bytes, 16);
    this.encoder.clearBuffer(this.errBuffer);
    const checked = this.nextCheck;
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (e) {
      await Promise.resolve();
      if (this.lostError) throw this.lostError;
      throw new BackendError(`webgpu: reading a buffer failed: ${(e as Error).message}`);
    }
    const raw = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    await this.raiseDeferred();
    const err = new Int32Array(raw, bytes, 4);
    const what = err[0] !== 0 ? (this.checks.get(err[0]!) ?? 'an indexing op: index out of range') : null;
    for (const id of [...this.checks.keys()]) if (id < checked) this.checks.delete(id);
    if (what) throw new IndexError(`${what}: index ${err[1]} is out of range for a dimension of size ${err[2]} (found on the device, raised at this read)`);
    switch (dtype) {
      case 'float32':
        return new Float32Array(raw, 0, size);
      case 'int32':
        return new Int32Array(raw, 0, size);
      case 'bool':
        return Uint8Array.from(new Uint32Array(raw, 0, size));
      case 'float64':
        throw new BackendError('webgpu: float64 is not supported');
    }
  }

  /**
   * A new buffer, inside an out-of-memory error scope. Only real allocations are scoped (a pool
   * hit needs none), and each scope forgets itself once the device has answered, so a long
   * loop without reads holds nothing.
   */
  private createBuffer(bytes: number, usage: number): GPUBuffer {
    const op = this.allocOp;
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size: bytes, usage });
    const scope: Promise<void> = this.device
      .popErrorScope()
      .then((err) => {
        if (err) this.deferred.push(new OutOfMemoryError(`${op}: the device could not allocate ${bytes} bytes: ${err.message}`));
      })
      .finally(() => this.scopes.delete(scope));
    this.scopes.add(scope);
    return buffer;
  }

  private async raiseDeferred(): Promise<void> {
    await Promise.all([...this.scopes]);
    if (this.lostError) throw this.lostError;
    const errs = this.deferred;
    this.deferred = [];
    if (errs.length) throw errs[0]!;
  }

  /** {@inheritDoc Backend.memory} */
  memory(): BackendMemory {
    return { bytesInUse: this.bytes, pooledBytes: this.pool.pooledBytes + this.pool.pendingBytes, pooledBuffers: this.pool.pooledBuffers };
  }

  /** Submits recorded work and resolves when the device has finished all of it. */
  async sync(): Promise<void> {
    this.alive();
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.raiseDeferred();
  }

  /** Destroys the buffers held for reuse. */
  emptyCache(): void {
    this.flush();
    this.bindGroups.clear();
    this.pool.empty();
  }

  /** Number of compiled pipelines (one per distinct kernel source). */
  get pipelineCount(): number {
    return this.pipelines.size;
  }
}
