/**
 * What the kernels suite asks of a peer library (TensorFlow.js, ONNX Runtime, PyTorch): the
 * workloads, described as plain data so that a peer in another language can run them too, and
 * the timings a peer hands back. The suite turns timings into rates the same way for us and for
 * every peer.
 */

/** The kinds of workload of the kernels suite. */
export type Kind = 'matmul' | 'unary' | 'binary' | 'overhead' | 'softmax' | 'layernorm' | 'chain-unfused' | 'chain-fused';

export interface Workload {
  kind: Kind;
  /**
   * matmul: [M, K, N]; unary, binary, chain-*: [elements]; overhead: [elements of the tiny
   * tensor]; softmax, layernorm: [rows, cols].
   */
  shape: number[];
  /** overhead: ops in the long chain (the short chain is one op). */
  chain?: number;
  seed: number;
}

/** Wall times of the repetitions after warm-up, ms. */
export interface Timings {
  timesMs: number[];
  /** overhead only: the one-op chain, timed the same way (its median is subtracted). */
  baselineTimesMs?: number[];
  /** overhead, ours only: the part of each repetition spent recording the ops in JavaScript, for the chain and the one-op chain. */
  recordTimesMs?: number[];
  baselineRecordTimesMs?: number[];
}

/** The peers the suite knows, in the order of their columns. */
export const PEERS = ['tfjs-webgpu', 'torch-cuda', 'tfjs-wasm', 'tfjs-cpu', 'ort-cpu', 'torch-cpu'] as const;
export type PeerName = (typeof PEERS)[number];

/** Where a peer computes: `gpu` peers are compared with our webgpu backend only. */
export const PEER_DEVICE: Record<PeerName, 'gpu' | 'cpu'> = {
  'tfjs-webgpu': 'gpu',
  'torch-cuda': 'gpu',
  'tfjs-wasm': 'cpu',
  'tfjs-cpu': 'cpu',
  'ort-cpu': 'cpu',
  'torch-cpu': 'cpu',
};

/** Every kind but the fused chain (fuse() is our API) runs on the peers that have the ops. */
const ALL_BUT_FUSED: readonly Kind[] = ['matmul', 'unary', 'binary', 'overhead', 'softmax', 'layernorm', 'chain-unfused'];

/**
 * The workloads each peer runs. ONNX Runtime runs a model, not eager ops: it gets the
 * single-op workloads (one-node models), not the chains.
 */
export const PEER_KINDS: Record<PeerName, readonly Kind[]> = {
  'tfjs-webgpu': ALL_BUT_FUSED,
  'torch-cuda': ALL_BUT_FUSED,
  'tfjs-wasm': ALL_BUT_FUSED,
  'tfjs-cpu': ALL_BUT_FUSED,
  'ort-cpu': ['matmul', 'unary', 'binary', 'softmax', 'layernorm'],
  'torch-cpu': ALL_BUT_FUSED,
};

/** The backends of ours and of peers that are pure JavaScript (slow at large matmuls). */
export const PURE_JS = new Set(['cpu', 'tfjs-cpu']);

/** A peer that loaded. */
export interface Peer {
  readonly name: PeerName;
  /** Version of the peer's package(s), e.g. `@tensorflow/tfjs-core 4.22.0`. */
  readonly version: string;
  /** How it runs here: adapter, threads, SIMD, interpreter. */
  readonly detail: string;
  /** Times one workload: `warmup` untimed runs, then `reps` timed ones. */
  measure(w: Workload, reps: number, warmup: number): Promise<Timings>;
}

/** The result of loading a peer: the peer, or why it is absent. */
export type PeerStatus = { ok: true; peer: Peer } | { ok: false; name: PeerName; reason: string };

/** Layer-norm epsilon, the same for us and every peer. */
export const LAYERNORM_EPS = 1e-5;

/** Runs `once` warm-up times untimed, then `reps` times; `once` returns its own wall time, ms. */
export async function timeRepeated(reps: number, warmup: number, once: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) times.push(await once());
  return times;
}

/** A seeded standard-normal Float32Array (xorshift32 and Box-Muller; for peers without their own RNG). */
export function randnArray(n: number, seed: number): Float32Array {
  let s = (seed * 0x9e3779b1 + 0x6d2b79f5) >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 1) / 4294967297;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** A message from anything thrown, on one line. */
export function errorText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/\s+/g, ' ').trim().slice(0, 400);
}
