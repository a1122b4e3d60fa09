/**
 * TensorFlow.js as a peer, on three of its backends in this process: `webgpu` (on the same Dawn
 * instance as our webgpu backend: its `navigator.gpu` is the GPU object our backend created),
 * `wasm` (the .wasm files shipped in the package, no download) and `cpu` (pure JavaScript).
 * The three share one `@tensorflow/tfjs-core` engine; each measurement switches to its backend.
 *
 * tfjs is loaded by module name at run time and typed here by the few functions used, so the
 * bench builds and runs without it (the peer is then reported absent).
 */
import { dirname } from 'node:path';
import { errorText, LAYERNORM_EPS, timeRepeated, type Peer, type PeerName, type Timings, type Workload } from './types.js';

/** The part of a tfjs tensor the bench uses. */
export interface TfTensor {
  readonly shape: number[];
  dispose(): void;
  data(): Promise<ArrayLike<number>>;
}
type T = TfTensor;
type Operand = T | number;

/** The part of `@tensorflow/tfjs-core` the bench uses. */
export interface Tf {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  env(): { set(flag: string, value: unknown): void; get(flag: string): unknown; getAsync(flag: string): Promise<unknown> };
  engine(): { registryFactory: Record<string, unknown> };
  tidy<R extends T>(fn: () => R): R;
  randomNormal(shape: number[], mean?: number, stdDev?: number, dtype?: 'float32', seed?: number): T;
  scalar(value: number): T;
  matMul(a: T, b: T): T;
  neg(x: T): T;
  abs(x: T): T;
  sqrt(x: T): T;
  tanh(x: T): T;
  sigmoid(x: T): T;
  add(a: T, b: Operand): T;
  sub(a: T, b: Operand): T;
  mul(a: T, b: Operand): T;
  div(a: T, b: Operand): T;
  softmax(x: T, dim?: number): T;
  moments(x: T, axis: number | number[], keepDims: boolean): { mean: T; variance: T };
  reshape(x: T, shape: number[]): T;
  slice(x: T, begin: number[], size: number[]): T;
}

export type Importer = (specifier: string) => Promise<unknown>;

export interface TfjsDeps {
  importer: Importer;
  /** Path of a package's main file (to find the .wasm files next to it). */
  resolve(specifier: string): string;
  version(pkg: string): string | null;
  /** Starts our webgpu backend; after it, the pinned GPU object exists. */
  startWebgpu(): Promise<void>;
  /** tfjs-webgpu's WEBGPU_CPU_FORWARD flag (it runs ops on small CPU-resident inputs on the CPU). */
  cpuForward: boolean;
}

/** Where @nonlinear/tensor pins the GPU object Dawn's `create()` returned. */
export const GPU_HOLD = Symbol.for('nonlinear.webgpu.gpu');

const BACKEND: Record<'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu', { tf: string; module: string }> = {
  'tfjs-webgpu': { tf: 'webgpu', module: '@tensorflow/tfjs-backend-webgpu' },
  'tfjs-wasm': { tf: 'wasm', module: '@tensorflow/tfjs-backend-wasm' },
  'tfjs-cpu': { tf: 'cpu', module: '@tensorflow/tfjs-backend-cpu' },
};

function describe(info: { vendor?: string; architecture?: string; device?: string; description?: string } | undefined): string {
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && s.length > 0);
  return parts.length ? parts.join(' / ') : 'unknown adapter';
}

/** Makes `navigator.gpu` our pinned GPU object (Node 20 has no navigator; later Nodes have one without gpu). */
function exposeGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    return;
  }
  if (g.navigator.gpu === gpu) return;
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

/** tf.setBackend, with tfjs's warnings (the reason when a backend fails to start) captured. */
async function switchTo(tf: Tf, name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  const warnings: string[] = [];
  const warn = console.warn;
  const prod = tf.env().get('PROD');
  tf.env().set('PROD', false); // tfjs only logs the failure reason outside prod mode
  console.warn = (...a: unknown[]) => warnings.push(a.map((x) => (x instanceof Error ? x.message : String(x))).join(' '));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } finally {
    console.warn = warn;
    tf.env().set('PROD', prod);
  }
  if (!ok) throw new Error(`tf.setBackend('${name}') failed: ${warnings.join(' ').replace(/\s+/g, ' ').slice(0, 400) || 'no reason given'}`);
}

/** Loads tfjs-core and one backend, starts the backend, and returns the peer; throws with a reason otherwise. */
export async function loadTfjs(name: 'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu', deps: TfjsDeps): Promise<Peer> {
  const be = BACKEND[name];
  const details: string[] = [];
  let gpu: GPU | undefined;
  if (name === 'tfjs-webgpu') {
    try {
      await deps.startWebgpu();
    } catch (e) {
      throw new Error(`our webgpu backend did not start, so there is no shared Dawn instance: ${errorText(e)}`);
    }
    gpu = (globalThis as Record<PropertyKey, unknown>)[GPU_HOLD] as GPU | undefined;
    if (!gpu) throw new Error('no GPU object pinned under Symbol.for("nonlinear.webgpu.gpu") after our webgpu backend started');
    // Before tfjs-backend-webgpu is imported: it registers its backend only if navigator.gpu exists.
    exposeGpu(gpu);
  }
  let tf: Tf;
  let mod: Record<string, unknown>;
  try {
    tf = (await deps.importer('@tensorflow/tfjs-core')) as Tf;
  } catch (e) {
    throw new Error(`import @tensorflow/tfjs-core failed: ${errorText(e)}`);
  }
  try {
    mod = (await deps.importer(be.module)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`import ${be.module} failed: ${errorText(e)}`);
  }
  if (!(be.tf in tf.engine().registryFactory)) {
    throw new Error(`${be.module} did not register the "${be.tf}" backend${name === 'tfjs-webgpu' ? ' (navigator.gpu was not set when it was imported)' : ''}`);
  }
  if (name === 'tfjs-wasm') {
    const setWasmPaths = mod.setWasmPaths as ((prefix: string) => void) | undefined;
    if (!setWasmPaths) throw new Error(`${be.module} has no setWasmPaths`);
    // The .wasm files ship in the package's dist/ folder, next to its main file.
    setWasmPaths(`${dirname(deps.resolve(be.module))}/`);
  }
  await switchTo(tf, be.tf);
  // Prod mode: no debug checks, and no "install tfjs-node" banner from the cpu backend.
  tf.env().set('PROD', true);
  if (name === 'tfjs-webgpu') {
    const adapter = await gpu!.requestAdapter({ powerPreference: 'high-performance' });
    details.push(`adapter ${describe(adapter?.info)} from the same Dawn instance as ours (navigator.gpu = our GPU object)`);
    details.push(`WEBGPU_CPU_FORWARD=${deps.cpuForward}`);
  }
  if (name === 'tfjs-wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = (mod.getThreadsCount as (() => number) | undefined)?.() ?? null;
    details.push(`SIMD ${simd ? 'on' : 'off'}, ${threads ?? '?'} thread(s) (tfjs's threaded wasm build needs web workers, not available in Node)`);
  }
  if (name === 'tfjs-cpu') details.push('pure JavaScript');
  const version = `@tensorflow/tfjs-core ${tf.version_core}, ${be.module} ${deps.version(be.module) ?? '?'}`;
  return {
    name,
    version,
    detail: details.join('; '),
    measure: async (w, reps, warmup) => {
      await switchTo(tf, be.tf);
      if (name === 'tfjs-webgpu') tf.env().set('WEBGPU_CPU_FORWARD', deps.cpuForward);
      return measureTfjs(tf, w, reps, warmup);
    },
  };
}

/** Times one workload on tfjs's active backend; each call ends with a readback of one element. */
export async function measureTfjs(tf: Tf, w: Workload, reps: number, warmup: number): Promise<Timings> {
  const inputs: T[] = [];
  const randn = (shape: number[]): T => {
    const t = tf.randomNormal(shape, 0, 1, 'float32', w.seed * 1000 + inputs.length);
    inputs.push(t);
    return t;
  };
  const once = (work: () => T) => async (): Promise<number> => {
    const t0 = performance.now();
    const out = tf.tidy(work);
    const one = tf.tidy(() => tf.slice(tf.reshape(out, [-1]), [0], [1]));
    try {
      await one.data();
      return performance.now() - t0;
    } finally {
      out.dispose();
      one.dispose();
    }
  };
  // Moves the inputs to the backend (tfjs makes random values on the CPU and uploads on first use).
  const prime = async (): Promise<void> => {
    for (const t of inputs) {
      const one = tf.tidy(() => tf.slice(tf.reshape(tf.neg(t), [-1]), [0], [1]));
      await one.data();
      one.dispose();
    }
  };
  try {
    let work: () => T;
    switch (w.kind) {
      case 'matmul': {
        const [m, k, n] = w.shape as [number, number, number];
        const a = randn([m, k]);
        const b = randn([k, n]);
        work = () => tf.matMul(a, b);
        break;
      }
      case 'unary': {
        const x = randn(w.shape);
        work = () => tf.neg(x);
        break;
      }
      case 'binary': {
        const x = randn(w.shape);
        const y = randn(w.shape);
        work = () => tf.add(x, y);
        break;
      }
      case 'softmax': {
        const x = randn(w.shape);
        work = () => tf.softmax(x, -1);
        break;
      }
      case 'layernorm': {
        const [, cols] = w.shape as [number, number];
        const x = randn(w.shape);
        const gamma = randn([cols]);
        const beta = randn([cols]);
        work = () => {
          const { mean, variance } = tf.moments(x, -1, true);
          return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYERNORM_EPS))), gamma), beta);
        };
        break;
      }
      case 'chain-unfused': {
        const x = randn(w.shape);
        const y = randn(w.shape);
        work = () => tf.abs(tf.sub(tf.sigmoid(tf.add(tf.mul(tf.tanh(tf.add(tf.mul(x, y), 1)), 0.5), x)), y));
        break;
      }
      case 'overhead': {
        const x = randn(w.shape);
        // A scalar tensor made once: the chain then measures dispatch, not scalar uploads.
        const one = tf.scalar(1);
        inputs.push(one);
        const chain = (len: number) => (): T => {
          let y = x;
          for (let i = 0; i < len; i++) y = tf.add(y, one);
          return y;
        };
        await prime();
        const baselineTimesMs = await timeRepeated(reps, warmup, once(chain(1)));
        const timesMs = await timeRepeated(reps, warmup, once(chain(w.chain ?? 2)));
        return { timesMs, baselineTimesMs };
      }
      case 'chain-fused':
        throw new Error('tfjs has no fused elementwise chains');
    }
    await prime();
    return { timesMs: await timeRepeated(reps, warmup, once(work)) };
  } finally {
    for (const t of inputs) t.dispose();
  }
}

export type TfjsPeerName = Extract<PeerName, 'tfjs-webgpu' | 'tfjs-wasm' | 'tfjs-cpu'>;
