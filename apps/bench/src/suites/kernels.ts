/**
 * Kernel throughput of @nonlinear/tensor on each selected backend, through its public API, and
 * of peer libraries in the same process on the same workloads: TensorFlow.js (webgpu on the
 * same Dawn instance and adapter as ours, wasm, cpu), ONNX Runtime (CPU) and PyTorch (CPU, when
 * a python3 with torch is installed). Workloads: matmul GFLOP/s (square sizes, a transformer
 * shape, matrix-vector shapes and a long-K split-K shape, the last beside our old tile path), elementwise GB/s (a unary and a binary op on a large tensor), the marginal cost of one
 * tiny op in a chain (dispatch overhead), softmax and layer-norm rows/s, and a chain of 8
 * elementwise ops unfused and (ours) fused with fuse(). Medians over repetitions after warm-up;
 * ratios ours ÷ peer (higher = we are faster); a Targets table. A peer that fails to load is
 * recorded as absent with the reason, and the run goes on.
 */
import { add, autotuneMatmul, defaultMatmulConfig, fuse, matmulConfigKey, manualSeed, matmul, mean, neg, randn, softmax, sqrt, sub, variance, WebGPUBackend, type Backend, type Tensor } from '@nonlinear/tensor';
import { cpus, loadavg } from 'node:os';
import { barErrors, logLogScatter } from '../figures.js';
import { timeIt } from '../measure.js';
import { createPeerLoader, type PeerLoader } from '../peers/loader.js';
import { errorText, LAYERNORM_EPS, PEER_DEVICE, PEER_KINDS, PEERS, PURE_JS, type Kind, type PeerName, type Timings, type Workload } from '../peers/types.js';
import { fmt, median, quantile } from '../stats.js';
import type { AutotuneResult } from '@nonlinear/tensor';
import { defineSuite, type BackendName, type JsonObject, type Table, type Unit, type UnitRecord } from '../suite.js';

const OPS = ['autotune', 'matmul', 'matvec', 'splitk', 'elementwise', 'overhead', 'softmax', 'layernorm', 'fusion'] as const;

/** Tuning writes the adapter's cache for later processes too, so it runs only when asked for. */
const DEFAULT_OPS = OPS.filter((op) => op !== 'autotune');

/** The id of the unit that runs the matmul autotuner (first, so every matmul after it is tuned). */
const AUTOTUNE_UNIT = 'webgpu/autotune';

/**
 * Our webgpu backend forced to the one tile configuration every matmul ran with before the
 * matrix-vector and split-K paths (the adapter's default, unsplit): the baseline of those rows.
 */
const OLD_TILE = 'webgpu-tile';
const PEER_CHOICES = [...PEERS, 'none'] as const;

/** Elements of the tiny tensor the overhead chain works on. */
const TINY = 16;

/** Ops in the elementwise chain, fused and unfused. */
const CHAIN_OPS = 8;

/** The 8-op chain, written once for the fused and the unfused run: x·y+1 → tanh → ·0.5 → +x → sigmoid → −y → abs. */
const chain8Fused = fuse((x, y) => x.mul(y).add(1).tanh().mul(0.5).add(x).sigmoid().sub(y).abs());
const chain8Unfused = (x: Tensor, y: Tensor): Tensor => x.mul(y).add(1).tanh().mul(0.5).add(x).sigmoid().sub(y).abs();

/** Layer norm composed from public ops (no fused kernel): (x − mean) / sqrt(var + eps) · gamma + beta over the last dim. */
function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const mu = mean(x, -1, true);
  const v = variance(x, -1, { correction: 0, keepdim: true });
  return sub(x, mu).div(sqrt(add(v, LAYERNORM_EPS))).mul(gamma).add(beta);
}

interface WorkloadSpec {
  kind: Kind;
  workload: string;
  shape: number[];
  chain?: number;
  /** Also run on our webgpu forced to the old tile path. */
  oldTile?: boolean;
}

interface Params extends JsonObject {
  /** One of ours (webgpu, cpu) or a peer (tfjs-webgpu, ...). */
  backend: string;
  kind: Kind | 'autotune';
  workload: string;
  shape: number[];
  seed: number;
}

const METRIC: Record<Kind, string> = {
  matmul: 'GFLOP/s',
  unary: 'GB/s',
  binary: 'GB/s',
  overhead: 'us/op',
  softmax: 'rows/s',
  layernorm: 'rows/s',
  'chain-unfused': 'Melem/s',
  'chain-fused': 'Melem/s',
};

const OURS: readonly string[] = ['webgpu', 'cpu', OLD_TILE];
const isPeer = (b: string): b is PeerName => (PEERS as readonly string[]).includes(b);

/** The records of one measurement: rates per repetition, their median, and the raw times. */
function rated(base: JsonObject, w: Workload, t: Timings): JsonObject {
  if (w.kind === 'overhead') {
    const chain = w.chain ?? 2;
    const baseline = median(t.baselineTimesMs ?? []);
    // Marginal cost of one more op: the chain's time less a one-op run (which carries the
    // readback), spread over the extra ops.
    const perOp = (ms: number): number => ((ms - baseline) * 1e3) / (chain - 1);
    return {
      ...base,
      chain,
      timesMs: t.timesMs,
      medianMs: median(t.timesMs),
      baselineTimesMs: t.baselineTimesMs ?? [],
      baselineMedianMs: baseline,
      // The share of one more op spent recording it in JavaScript (ours only).
      ...(t.recordTimesMs ? { recordUsPerOp: ((median(t.recordTimesMs) - median(t.baselineRecordTimesMs ?? [])) * 1e3) / (chain - 1) } : {}),
      samples: t.timesMs.map(perOp),
      value: perOp(median(t.timesMs)),
      higherIsBetter: false,
    };
  }
  let work: number;
  let unit: string;
  let rate: (ms: number) => number;
  switch (w.kind) {
    case 'matmul': {
      const [m, k, n] = w.shape as [number, number, number];
      work = 2 * m * k * n;
      unit = 'FLOP';
      rate = (ms) => work / (ms * 1e6);
      break;
    }
    case 'unary':
    case 'binary':
      // float32: each operand read once, the result written once.
      work = 4 * w.shape[0]! * (w.kind === 'binary' ? 3 : 2);
      unit = 'byte';
      rate = (ms) => work / (ms * 1e6);
      break;
    case 'softmax':
    case 'layernorm':
      work = w.shape[0]!;
      unit = 'row';
      rate = (ms) => work / (ms / 1e3);
      break;
    case 'chain-unfused':
    case 'chain-fused':
      work = w.shape[0]!;
      unit = 'element';
      rate = (ms) => work / (ms * 1e3);
      break;
  }
  return {
    ...base,
    work,
    workUnit: unit,
    timesMs: t.timesMs,
    medianMs: median(t.timesMs),
    samples: t.timesMs.map(rate),
    value: median(t.timesMs.map(rate)),
    higherIsBetter: true,
  };
}

/** Times a workload on one of our backends. */
async function measureOurs(device: Backend, w: Workload, reps: number, warmup: number): Promise<Timings> {
  manualSeed(w.seed);
  const inputs: Tensor[] = [];
  const input = (shape: number[]): Tensor => {
    const t = randn(shape, { device });
    inputs.push(t);
    return t;
  };
  const time = async (work: () => Tensor): Promise<number[]> => (await timeIt(reps, warmup, work)).timesMs;
  try {
    switch (w.kind) {
      case 'matmul': {
        const [m, k, n] = w.shape as [number, number, number];
        const a = input([m, k]);
        const b = input([k, n]);
        return { timesMs: await time(() => matmul(a, b)) };
      }
      case 'unary': {
        const x = input(w.shape);
        return { timesMs: await time(() => neg(x)) };
      }
      case 'binary': {
        const x = input(w.shape);
        const y = input(w.shape);
        return { timesMs: await time(() => add(x, y)) };
      }
      case 'softmax': {
        const x = input(w.shape);
        return { timesMs: await time(() => softmax(x, -1)) };
      }
      case 'layernorm': {
        const x = input(w.shape);
        const gamma = input([w.shape[1]!]);
        const beta = input([w.shape[1]!]);
        return { timesMs: await time(() => layerNorm(x, gamma, beta)) };
      }
      case 'chain-unfused':
      case 'chain-fused': {
        const x = input(w.shape);
        const y = input(w.shape);
        const f = w.kind === 'chain-fused' ? chain8Fused : chain8Unfused;
        return { timesMs: await time(() => f(x, y)) };
      }
      case 'overhead': {
        const x = input(w.shape);
        const chain = (len: number) => (): Tensor => {
          let y = x;
          for (let i = 0; i < len; i++) y = add(y, 1);
          return y;
        };
        const base = await timeIt(reps, warmup, chain(1));
        const long = await timeIt(reps, warmup, chain(w.chain ?? 2));
        return { timesMs: long.timesMs, baselineTimesMs: base.timesMs, recordTimesMs: long.recordMs, baselineRecordTimesMs: base.recordMs };
      }
    }
    throw new Error(`unknown workload kind ${String(w.kind)}`);
  } finally {
    for (const t of inputs) t.dispose();
  }
}

/** The kernels suite, with the peer loader it uses (tests pass one that simulates failures). */
export function makeKernelsSuite(loader: PeerLoader = createPeerLoader()) {
  return defineSuite({
    name: 'kernels',
    description: 'matmul GFLOP/s, elementwise GB/s, per-op overhead, softmax and layer-norm rows/s, fused vs unfused chains; ours per backend and TensorFlow.js, ONNX Runtime, PyTorch side by side',
    options: {
      ops: {
        type: 'enum[]',
        values: OPS,
        default: DEFAULT_OPS,
        description:
          "which measurements to run; autotune (not by default) first times the matmul candidates of each shape class on the webgpu adapter, keeps the fastest for this run's matmuls and stores them in the adapter's autotune cache",
      },
      matmulSizes: { type: 'int[]', min: 1, max: 16384, default: [256, 512, 1024, 2048], quick: [256, 512, 1024], description: 'square matmul sizes n (n x n @ n x n)' },
      matvec: {
        type: 'int',
        min: 1,
        max: 65536,
        default: 4096,
        description: 'n of the matrix-vector rows: 1 x n @ n x n (vector @ matrix) and n x n @ n x 1 (matrix @ vector)',
      },
      splitk: {
        type: 'int[]',
        length: 3,
        min: 1,
        max: 1 << 20,
        default: [64, 16384, 64],
        description: 'the split-K row M,K,N: few outputs, long K (a weight gradient x^T g over a batch of tokens)',
      },
      transformer: {
        type: 'int[]',
        length: 3,
        min: 1,
        max: 65536,
        default: [4096, 512, 2048],
        quick: [256, 512, 2048],
        description: 'a transformer matmul M,K,N: M tokens x K model width @ K x N (an MLP up-projection, width 512, 4x hidden)',
      },
      elementwiseSize: { type: 'int', min: 1, max: 1 << 28, default: 1 << 24, quick: 1 << 20, description: 'elements of the large unary (neg) and binary (add) op' },
      chain: { type: 'int', min: 2, max: 100000, default: 200, quick: 50, description: `length of the chain of tiny ops (add 1 to ${TINY} floats) for per-op overhead` },
      softmax: { type: 'int[]', length: 2, min: 1, max: 1 << 24, default: [4096, 1024], quick: [1024, 256], description: 'softmax over the last dim of a ROWS,COLS tensor' },
      layernorm: { type: 'int[]', length: 2, min: 1, max: 1 << 24, default: [4096, 1024], quick: [1024, 256], description: 'layer norm over the last dim of a ROWS,COLS tensor (ours composed from public ops)' },
      fusionSize: { type: 'int', min: 1, max: 1 << 28, default: 1 << 20, description: `elements of the ${CHAIN_OPS}-op elementwise chain, run fused (fuse()) and unfused` },
      peers: {
        type: 'enum[]',
        values: PEER_CHOICES,
        default: [...PEERS],
        description: 'peer libraries to measure beside ours (none: only ours); tfjs-webgpu needs our webgpu backend in the run',
      },
      slowMatmulMax: {
        type: 'int',
        min: 1,
        max: 16384,
        default: 1024,
        quick: 256,
        description: 'the pure-JavaScript backends (our cpu, tfjs-cpu) run only matmuls of at most 2·n³ FLOP',
      },
      tfjsCpuForward: {
        type: 'boolean',
        default: false,
        description: "tfjs-webgpu's WEBGPU_CPU_FORWARD (runs ops on small CPU-resident tensors on the CPU); off, every tfjs op is a GPU dispatch like ours",
      },
      reps: { type: 'int', min: 1, max: 10000, default: 15, quick: 5, description: 'timed repetitions per measurement' },
      warmup: { type: 'int', min: 0, max: 1000, default: 3, quick: 1, description: 'untimed runs before the timed ones' },
    },

    units(o, common) {
      const workloads: WorkloadSpec[] = [];
      if (o.ops.includes('matmul')) {
        for (const n of o.matmulSizes) workloads.push({ kind: 'matmul', workload: `matmul-${n}`, shape: [n, n, n] });
        const [m, k, n] = o.transformer as [number, number, number];
        workloads.push({ kind: 'matmul', workload: `matmul-transformer-${m}x${k}x${n}`, shape: [m, k, n] });
      }
      if (o.ops.includes('matvec')) {
        const n = o.matvec;
        workloads.push({ kind: 'matmul', workload: `vecmat-1x${n}x${n}`, shape: [1, n, n], oldTile: true });
        workloads.push({ kind: 'matmul', workload: `matvec-${n}x${n}x1`, shape: [n, n, 1], oldTile: true });
      }
      if (o.ops.includes('splitk')) {
        const [m, k, n] = o.splitk as [number, number, number];
        workloads.push({ kind: 'matmul', workload: `splitk-${m}x${k}x${n}`, shape: [m, k, n], oldTile: true });
      }
      if (o.ops.includes('elementwise')) {
        workloads.push({ kind: 'unary', workload: `unary-neg-${o.elementwiseSize}`, shape: [o.elementwiseSize] });
        workloads.push({ kind: 'binary', workload: `binary-add-${o.elementwiseSize}`, shape: [o.elementwiseSize] });
      }
      if (o.ops.includes('overhead')) workloads.push({ kind: 'overhead', workload: `overhead-chain-${o.chain}`, shape: [TINY], chain: o.chain });
      if (o.ops.includes('softmax')) workloads.push({ kind: 'softmax', workload: `softmax-${o.softmax[0]}x${o.softmax[1]}`, shape: [...o.softmax] });
      if (o.ops.includes('layernorm')) workloads.push({ kind: 'layernorm', workload: `layernorm-${o.layernorm[0]}x${o.layernorm[1]}`, shape: [...o.layernorm] });
      if (o.ops.includes('fusion')) {
        workloads.push({ kind: 'chain-unfused', workload: `chain${CHAIN_OPS}-unfused-${o.fusionSize}`, shape: [o.fusionSize] });
        workloads.push({ kind: 'chain-fused', workload: `chain${CHAIN_OPS}-fused-${o.fusionSize}`, shape: [o.fusionSize] });
      }
      const peers = o.peers.includes('none') ? [] : PEERS.filter((p) => o.peers.includes(p));
      const slowLimit = 2 * o.slowMatmulMax ** 3;
      const runs = (backend: string, w: (typeof workloads)[number]): boolean => {
        if (isPeer(backend)) {
          if (!PEER_KINDS[backend].includes(w.kind)) return false;
          // GPU peers are compared with our webgpu backend only (and tfjs-webgpu needs its Dawn instance).
          if (PEER_DEVICE[backend] === 'gpu' && !common.backends.includes('webgpu')) return false;
        }
        if (w.kind === 'matmul' && PURE_JS.has(backend)) return 2 * w.shape[0]! * w.shape[1]! * w.shape[2]! <= slowLimit;
        return true;
      };
      const units: Unit[] = [];
      if (o.ops.includes('autotune') && common.backends.includes('webgpu')) {
        units.push({ id: AUTOTUNE_UNIT, params: { backend: 'webgpu', kind: 'autotune', workload: 'autotune', shape: [], seed: 0 } satisfies Params });
      }
      for (let seed = 0; seed < common.seeds; seed++) {
        for (const w of workloads) {
          const old = w.oldTile && common.backends.includes('webgpu') ? [OLD_TILE] : [];
          for (const backend of [...common.backends, ...old, ...peers]) {
            if (!runs(backend, w)) continue;
            const params: Params = { kind: w.kind, workload: w.workload, shape: w.shape, ...(w.chain ? { chain: w.chain } : {}), backend, seed };
            units.push({ id: `${backend}/${w.workload}/seed-${seed}`, params });
          }
        }
      }
      return units;
    },

    async run(unit, ctx) {
      const o = ctx.options;
      const p = unit.params as Params & { chain?: number };
      // The machine's load when the unit started: on a shared machine, context for noisy numbers.
      const load = { loadavg1: Math.round(loadavg()[0]! * 100) / 100, cores: cpus().length };
      if (p.kind === 'autotune') {
        const device = await ctx.backend('webgpu');
        if (!(device instanceof WebGPUBackend)) throw new Error('autotune: the webgpu backend is not a WebGPUBackend');
        const results = await autotuneMatmul(device, { reps: o.reps });
        return { backend: 'webgpu', workload: 'autotune', kind: 'autotune', adapter: device.description, reps: o.reps, autotune: results as unknown as JsonObject[], ...load };
      }
      const w: Workload = { kind: p.kind, shape: p.shape, seed: p.seed, ...(p.chain ? { chain: p.chain } : {}) };
      const base: JsonObject = { backend: p.backend, workload: p.workload, kind: p.kind, shape: p.shape, metric: METRIC[p.kind], reps: o.reps, warmup: o.warmup, ...load };
      if (p.backend === OLD_TILE) {
        const device = await ctx.backend('webgpu');
        if (!(device instanceof WebGPUBackend)) throw new Error(`${OLD_TILE}: the webgpu backend is not a WebGPUBackend`);
        const saved = device.matmulConfig;
        device.matmulConfig = defaultMatmulConfig(device.isSoftware);
        try {
          const t = await measureOurs(device, w, o.reps, o.warmup);
          return rated({ ...base, peer: false, adapter: device.description }, w, t);
        } finally {
          device.matmulConfig = saved;
        }
      }
      if (!isPeer(p.backend)) {
        const device = await ctx.backend(p.backend as BackendName);
        const t = await measureOurs(device, w, o.reps, o.warmup);
        // Which matmul kernel ran (the targets table explains a gap with it).
        const config: JsonObject = p.kind === 'matmul' && device instanceof WebGPUBackend ? { matmulConfig: matmulConfigKey(device.matmulConfigFor(p.shape[0]!, p.shape[2]!, p.shape[1]!)), softwareAdapter: device.isSoftware } : {};
        return rated({ ...base, peer: false, adapter: device.description, ...config }, w, t);
      }
      const status = await loader.load(p.backend, {
        startWebgpu: async () => {
          await ctx.backend('webgpu');
        },
        tfjsCpuForward: o.tfjsCpuForward,
      });
      const peerBase = { ...base, peer: true, higherIsBetter: p.kind !== 'overhead' };
      if (!status.ok) return { ...peerBase, status: 'absent', reason: status.reason };
      const info = { ...peerBase, peerVersion: status.peer.version, peerDetail: status.peer.detail };
      let t: Timings;
      try {
        t = await status.peer.measure(w, o.reps, o.warmup);
      } catch (e) {
        ctx.log(`${p.backend} failed on ${p.workload}: ${errorText(e)}`);
        return { ...info, status: 'failed', reason: errorText(e) };
      }
      return rated({ ...info, status: 'ok' }, w, t);
    },

    brief(r) {
      if (r.kind === 'autotune') return `tuned: ${(r.autotune as unknown as AutotuneResult[]).map((t) => `${t.shapeClass} ${t.best}`).join(', ')}`;
      if (r.status === 'absent' || r.status === 'failed') return `${r.status as string}: ${String(r.reason).slice(0, 100)}`;
      return `${fmt(r.value as number)} ${r.metric as string} (median ${fmt(r.medianMs as number)} ms)`;
    },

    summarize(records, o, common) {
      return summarizeKernels(records, o.reps, o.warmup, common.backends);
    },
  });
}

export const kernelsSuite = makeKernelsSuite();

interface Cell {
  workload: string;
  kind: Kind;
  backend: string;
  metric: string;
  samples: number[];
  medianMs: number[];
  higherIsBetter: boolean;
  /** 'ok', or why there is no number: 'absent' (peer did not load) or 'failed' (it threw). */
  status: string;
  reason?: string;
  work?: number;
  /** Our webgpu matmuls: the kernel configuration that ran, and whether the adapter is CPU-emulated. */
  matmulConfig?: string;
  softwareAdapter?: boolean;
  /** overhead: the one-op chain's median times (a tiny op and its readback). */
  baselineMs: number[];
  /** overhead, ours: microseconds per op spent recording it in JavaScript. */
  recordUsPerOp: number[];
}

/** Keys of the matmul configurations that tile through workgroup memory. */
const SHARED_TILE = /^smem/;

/** Target ratios (ours ÷ baseline, speed; higher = we are faster). */
export const TARGETS = { matmulVsTfjs: 4, fusedVsUnfused: 4, overheadVsTfjs: 0.5 } as const;

/** Exported for tests: summary of kernel records (pooled over seeds). */
export function summarizeKernels(records: readonly UnitRecord[], reps: number, warmup: number, backendsRun: readonly string[]) {
  const cells = new Map<string, Cell>();
  const workloads: string[] = [];
  const backends: string[] = [];
  const peerInfo = new Map<string, { version?: string; detail?: string; absent?: string; failed: string[] }>();
  let adapter: string | null = null;
  const loads: number[] = [];
  let cores: number | null = null;
  const tuned: AutotuneResult[] = [];
  for (const r of records) {
    const d = r.data;
    if (typeof d.loadavg1 === 'number') loads.push(d.loadavg1);
    if (d.kind === 'autotune') {
      tuned.push(...(d.autotune as unknown as AutotuneResult[]));
      continue;
    }
    if (typeof d.cores === 'number') cores = d.cores;
    const workload = d.workload as string;
    const backend = d.backend as string;
    if (!workloads.includes(workload)) workloads.push(workload);
    if (!backends.includes(backend)) backends.push(backend);
    if (backend === 'webgpu' && typeof d.adapter === 'string') adapter = d.adapter;
    const status = (d.status as string | undefined) ?? 'ok';
    if (isPeer(backend)) {
      let info = peerInfo.get(backend);
      if (!info) peerInfo.set(backend, (info = { failed: [] }));
      if (typeof d.peerVersion === 'string') info.version = d.peerVersion;
      if (typeof d.peerDetail === 'string') info.detail = d.peerDetail;
      if (status === 'absent') info.absent = d.reason as string;
      if (status === 'failed') info.failed.push(`${workload}: ${d.reason as string}`);
    }
    const key = `${workload}\u0000${backend}`;
    let c = cells.get(key);
    if (!c) {
      c = { workload, kind: d.kind as Kind, backend, metric: d.metric as string, samples: [], medianMs: [], baselineMs: [], recordUsPerOp: [], higherIsBetter: d.higherIsBetter as boolean, status, work: d.work as number | undefined };
      if (typeof d.matmulConfig === 'string') c.matmulConfig = d.matmulConfig;
      if (typeof d.softwareAdapter === 'boolean') c.softwareAdapter = d.softwareAdapter;
      if (status !== 'ok') c.reason = d.reason as string;
      cells.set(key, c);
    }
    if (status === 'ok') {
      c.status = 'ok';
      c.samples.push(...(d.samples as number[]));
      c.medianMs.push(d.medianMs as number);
      if (typeof d.baselineMedianMs === 'number') c.baselineMs.push(d.baselineMedianMs);
      if (typeof d.recordUsPerOp === 'number') c.recordUsPerOp.push(d.recordUsPerOp);
    }
  }
  const order = (b: string): number => {
    const i = backendsRun.indexOf(b);
    if (i >= 0) return i;
    const j = OURS.indexOf(b);
    if (j >= 0) return 10 + j;
    return 100 + PEERS.indexOf(b as PeerName);
  };
  backends.sort((a, b) => order(a) - order(b));
  const ours = backends.filter((b) => !isPeer(b));
  const peers = backends.filter(isPeer);
  const cell = (w: string, b: string): Cell | undefined => cells.get(`${w}\u0000${b}`);
  const value = (c: Cell | undefined): number | null => (c && c.status === 'ok' && c.samples.length ? median(c.samples) : null);
  /** How many times faster `a` is than `b` on workload w (rates: a / b; costs: b / a); null without both. */
  const speedup = (w: string, a: string, b: string): number | null => {
    const va = value(cell(w, a));
    const vb = value(cell(w, b));
    if (va === null || vb === null) return null;
    return cell(w, a)!.higherIsBetter ? va / vb : vb / va;
  };
  const shown = (w: string, b: string): string => {
    const c = cell(w, b);
    if (!c) return '—';
    if (c.status !== 'ok') return c.status;
    return fmt(value(c));
  };

  const rows = [...cells.values()].map((c) => ({
    workload: c.workload,
    kind: c.kind,
    backend: c.backend,
    peer: isPeer(c.backend),
    status: c.status,
    reason: c.reason ?? null,
    metric: c.metric,
    median: value(c),
    q25: c.samples.length ? quantile(c.samples, 0.25) : null,
    q75: c.samples.length ? quantile(c.samples, 0.75) : null,
    samples: c.samples.length,
    median_ms: c.medianMs.length ? median(c.medianMs) : null,
    x_cpu: c.backend === 'cpu' ? null : speedup(c.workload, c.backend, 'cpu'),
    ours_webgpu_speedup: c.backend === 'webgpu' ? null : speedup(c.workload, 'webgpu', c.backend),
    ours_cpu_speedup: c.backend === 'cpu' ? null : speedup(c.workload, 'cpu', c.backend),
  }));

  const table: Table = {
    title: 'Kernels',
    columns: ['workload', 'metric', ...backends],
    rows: workloads.map((w) => [w, cells.get(`${w}\u0000${backends.find((b) => cell(w, b))}`)!.metric, ...backends.map((b) => shown(w, b))]),
    caption:
      `Median over ${reps} timed repetitions after ${warmup} warm-up run(s). Ours: ${ours.join(', ') || '(none)'}; peers: ${peers.join(', ') || '(none)'}. ` +
      '"—": not run on that backend (a peer without the op, the fused chain outside our library, or a matmul over --slow-matmul-max on the pure-JavaScript backends); "absent"/"failed": see the Peers table.',
  };

  // Ratio columns: our webgpu against our cpu and every peer; our cpu against the CPU peers.
  const pairs: [string, string][] = [];
  if (ours.includes('webgpu')) {
    if (ours.includes(OLD_TILE)) pairs.push(['webgpu', OLD_TILE]);
    if (ours.includes('cpu')) pairs.push(['webgpu', 'cpu']);
    for (const p of peers) pairs.push(['webgpu', p]);
  }
  if (ours.includes('cpu')) for (const p of peers) if (PEER_DEVICE[p] === 'cpu') pairs.push(['cpu', p]);
  const ratioTable: Table = {
    title: 'Ratios: ours ÷ peer (higher = we are faster)',
    columns: ['workload', ...pairs.map(([a, b]) => `${a} ÷ ${b}`)],
    rows: workloads.map((w) => [w, ...pairs.map(([a, b]) => fmt(speedup(w, a, b)))]),
    caption:
      'Each cell is how many times faster our backend (left of ÷) is than the other one on that row: for rates (GFLOP/s, GB/s, rows/s, Melem/s) ours ÷ theirs; ' +
      'for us/op (a cost) theirs ÷ ours. Above 1 we are faster, below 1 slower. Blank: one of the two has no number.',
  };

  const timesTable: Table = {
    title: 'Median wall time per call (ms)',
    columns: ['workload', ...backends],
    rows: workloads.map((w) => [w, ...backends.map((b) => (cell(w, b)?.medianMs.length ? fmt(median(cell(w, b)!.medianMs)) : shown(w, b)))]),
    caption: 'Each call is timed from the op to the end of one readback of one element of its result (host-memory peers: to the return of the call). For the overhead chain: the whole chain.',
  };

  const peerTable: Table = {
    title: 'Peers',
    columns: ['peer', 'status', 'version', 'how it ran here', 'reason / failures'],
    rows: peers.map((p) => {
      const i = peerInfo.get(p)!;
      const status = i.absent ? 'absent' : i.failed.length ? `ran, ${i.failed.length} failure(s)` : 'ran';
      return [p, status, i.version ?? '', i.detail ?? '', i.absent ?? i.failed.join('; ')];
    }),
    caption: 'A peer that could not be imported or started is absent (its cells say so) and the run goes on; a measurement a peer threw on is "failed".',
  };

  // Targets, as measured ratios on this adapter.
  const targetRows: (string | number | null)[][] = [];
  const target = (what: string, num: string, den: string, ratio: number | null, goal: number, missing: string, why: () => string): void => {
    if (ratio === null || !Number.isFinite(ratio) || ratio <= 0) {
      targetRows.push([what, num, den, `not measured: ${missing}`, `≥ ${goal}`, '', '', '']);
      return;
    }
    const met = ratio >= goal;
    targetRows.push([what, num, den, fmt(ratio), `≥ ${goal}`, fmt(ratio / goal), met ? 'none' : `${fmt(goal / ratio)}× short of the target`, met ? '' : why()]);
  };
  const medianOf = (w: string | undefined, b: string): number | null => {
    const c = w ? cell(w, b) : undefined;
    return c && c.status === 'ok' && c.medianMs.length ? median(c.medianMs) : null;
  };
  // One tiny op and its readback (the overhead row's one-op chain): the floor of any timed call.
  const overheadRow = workloads.find((x) => cells.get(`${x}\u0000webgpu`)?.kind === 'overhead');
  const floorMs = overheadRow && cell(overheadRow, 'webgpu')?.baselineMs.length ? median(cell(overheadRow, 'webgpu')!.baselineMs) : null;
  const nearFloor = (ms: number | null): string | null =>
    ms !== null && floorMs !== null && ms < 2 * floorMs ? `latency-bound: a call takes ${fmt(ms)} ms, within 2× of one tiny op and its readback (${fmt(floorMs)} ms), so the ratio measures the round trip more than the kernels` : null;
  const withUnit = (w: string, b: string): string => {
    const c = cell(w, b);
    const v = value(c);
    return v === null ? (c ? `${b}: ${c.status}` : `${b}: not run`) : `${b} ${fmt(v)} ${c!.metric}`;
  };
  {
    const w = 'matmul-1024';
    const have = workloads.includes(w);
    const why = (): string => {
      const ours = cell(w, 'webgpu');
      const theirs = cell(w, 'tfjs-webgpu');
      if (!ours || !theirs) return '';
      const floor = nearFloor(medianOf(w, 'webgpu'));
      if (floor) return floor;
      // The ratio between the quartiles of the two sample sets: is the target inside this run's spread?
      const lo = quantile(ours.samples, 0.25) / quantile(theirs.samples, 0.75);
      const hi = quantile(ours.samples, 0.75) / quantile(theirs.samples, 0.25);
      if (hi >= TARGETS.matmulVsTfjs) return `within this run's spread: between the quartiles of the samples the ratio reaches ${fmt(hi)}`;
      const spread = `between the quartiles of the samples the ratio ranges ${fmt(lo)}-${fmt(hi)}`;
      const config = ours.matmulConfig;
      if (!config) return `${spread}; the configuration that ran was not recorded`;
      if (SHARED_TILE.test(config)) return `${spread}; our kernel here was ${config}, a workgroup-memory tile`;
      if (ours.softwareAdapter) return `${spread}; our kernel here was ${config}, a register tile (workgroup memory and barriers are slow on CPU Vulkan), and the ratio moves with the machine's load`;
      return `${spread}; our kernel here was ${config}, which keeps its tile in registers with no workgroup memory; tfjs-webgpu tiles through workgroup memory, which GPUs favour (--ops autotune times the workgroup-memory candidates on this adapter)`;
    };
    target('matmul 1024×1024 @ 1024×1024, GFLOP/s: our webgpu ÷ tfjs-webgpu', withUnit(w, 'webgpu'), withUnit(w, 'tfjs-webgpu'), speedup(w, 'webgpu', 'tfjs-webgpu'), TARGETS.matmulVsTfjs,
      have ? 'needs both our webgpu and tfjs-webgpu' : 'add 1024 to --matmul-sizes', why);
  }
  {
    const fused = workloads.find((w) => cells.get(`${w}\u0000webgpu`)?.kind === 'chain-fused');
    const unfused = workloads.find((w) => cells.get(`${w}\u0000webgpu`)?.kind === 'chain-unfused');
    const vf = fused ? value(cell(fused, 'webgpu')) : null;
    const vu = unfused ? value(cell(unfused, 'webgpu')) : null;
    target(
      `${CHAIN_OPS}-op elementwise chain${fused ? ` (${fused.replace(/^.*-/, '')} elements)` : ''}: fused ÷ unfused, our webgpu`,
      fused ? withUnit(fused, 'webgpu') + ' fused' : 'fused: not run',
      unfused ? withUnit(unfused, 'webgpu') + ' unfused' : 'unfused: not run',
      vf !== null && vu !== null ? vf / vu : null,
      TARGETS.fusedVsUnfused,
      'needs --ops fusion on the webgpu backend',
      () => {
        const fusedMs = medianOf(fused, 'webgpu');
        const unfusedMs = medianOf(unfused, 'webgpu');
        const latency = nearFloor(fusedMs);
        if (latency) return latency;
        // Per element, against one streaming op (neg) of this run: the fused kernel, and each unfused op on average.
        const unary = workloads.find((x) => cells.get(`${x}\u0000webgpu`)?.kind === 'unary');
        const negMs = medianOf(unary, 'webgpu');
        if (fusedMs === null || unfusedMs === null || negMs === null) return 'needs --ops elementwise for a diagnosis';
        const perNeg = negMs / (cell(unary!, 'webgpu')!.work! / 8);
        const f = fusedMs / cell(fused!, 'webgpu')!.work! / perNeg;
        const u = unfusedMs / cell(unfused!, 'webgpu')!.work! / CHAIN_OPS / perNeg;
        const costs = `per element the fused kernel costs ${fmt(f)}× one streaming op (neg) and each of the ${CHAIN_OPS} unfused ops ${fmt(u)}× on average`;
        return f >= 2 ? `arithmetic-bound: ${costs}; the fused time goes to the chain's math (tanh and sigmoid, an exp each), not to the memory traffic that fusion removes` : costs;
      },
    );
  }
  {
    const w = workloads.find((x) => cells.get(`${x}\u0000webgpu`)?.kind === 'overhead');
    target(
      `per-op overhead, tiny ops (${w ?? 'overhead chain'}): tfjs-webgpu us/op ÷ our webgpu us/op ("within 2×" = at least 0.5)`,
      w ? withUnit(w, 'webgpu') : 'webgpu: not run',
      w ? withUnit(w, 'tfjs-webgpu') : 'tfjs-webgpu: not run',
      w ? speedup(w, 'webgpu', 'tfjs-webgpu') : null,
      TARGETS.overheadVsTfjs,
      'needs --ops overhead on our webgpu and tfjs-webgpu (or a per-op cost lost in the noise: a non-positive value)',
      () => {
        const ours = w ? cell(w, 'webgpu') : undefined;
        const perOp = ours ? value(ours) : null;
        if (!ours?.recordUsPerOp.length || perOp === null) return 'the share spent recording in JavaScript was not measured';
        const rec = median(ours.recordUsPerOp);
        return `recording one more op in JavaScript (its output buffer, bind group and meta slot) takes ${fmt(rec)} us here, ${fmt((100 * rec) / perOp)}% of our ${fmt(perOp)} us/op; the rest is the device running it`;
      },
    );
  }
  const targetTable: Table = {
    title: 'Targets',
    columns: ['target', 'ours', 'baseline', 'measured ratio', 'target ratio', 'measured ÷ target', 'shortfall', 'why (where missed)'],
    rows: targetRows,
    caption:
      `Measured ratios on this adapter (${adapter ?? 'no webgpu adapter in this run'}), from the medians of this run; higher = we are faster. ` +
      'Where a target is missed, "shortfall" says by what factor and "why" what this run\'s own measurements point to. Benchmarks report numbers, not verdicts: the machine may be shared and the numbers are noisy' +
      (loads.length ? ` (1-minute load average while the units started: ${fmt(Math.min(...loads))} to ${fmt(Math.max(...loads))}${cores ? ` on ${cores} cores` : ''})` : '') +
      '; rerun with more --reps to narrow them.',
  };

  const bySample = (kinds: Kind[]) =>
    [...cells.values()].filter((c) => kinds.includes(c.kind)).flatMap((c) => c.samples.map((v) => ({ category: c.workload, group: c.backend, value: v })));
  const figures = [];
  const mm = bySample(['matmul']);
  if (mm.length) {
    figures.push({ name: 'gflops', title: 'Matmul GFLOP/s per backend', spec: barErrors(mm, { title: 'Matmul throughput', yTitle: 'GFLOP/s', groupTitle: 'backend' }) });
    const scaling = [...cells.values()]
      .filter((c) => c.kind === 'matmul' && c.medianMs.length && c.work)
      .map((c) => ({ x: c.work!, y: median(c.medianMs), series: c.backend }));
    if (scaling.length >= 2) {
      figures.push({ name: 'matmul-scaling', title: 'Matmul time against FLOPs (log-log)', spec: logLogScatter(scaling, { title: 'Matmul time against work', xTitle: 'FLOP per call', yTitle: 'median ms per call', seriesTitle: 'backend' }).spec });
    }
  }
  const ew = bySample(['unary', 'binary']);
  if (ew.length) figures.push({ name: 'bandwidth', title: 'Elementwise GB/s per backend', spec: barErrors(ew, { title: 'Elementwise bandwidth', yTitle: 'GB/s', groupTitle: 'backend' }) });

  const notes = [
    'There is no paper to compare with: this suite states what this build of `@nonlinear/tensor` does on this machine, and what peer libraries do on the same workloads in the same process. What was measured:',
    '',
    '- **matmul**: `matmul(a, b)` of float32 standard-normal operands, GFLOP/s = 2·M·K·N / time. Square sizes and one transformer shape (M tokens × K width @ K × N).',
    `- **matvec, splitk**: the same over skinny shapes (rows named M×K×N): vector @ matrix, matrix @ vector, and few outputs over a long K. \`${OLD_TILE}\` is our webgpu backend forced to the one register-tile configuration all matmuls ran with before the matrix-vector and split-K paths (the adapter's default, unsplit); \`webgpu ÷ ${OLD_TILE}\` is the gain of the new paths.`,
    '- **elementwise**: `neg(x)` (unary) and `add(x, y)` (binary) on float32; GB/s counts each operand read once and the result written once (8 and 12 bytes per element).',
    `- **overhead**: a chain of \`add(y, 1)\` on ${TINY} floats; us/op = (time of the chain − time of one op) / (chain length − 1), the marginal cost of one more tiny op (dispatch, bookkeeping). tfjs adds a scalar tensor made once (so its chain measures dispatch, not scalar uploads); torch adds the number 1.`,
    '- **softmax**: softmax over the last dim of a float32 matrix, rows per second.',
    `- **layernorm**: layer norm over the last dim (eps ${LAYERNORM_EPS}, with gamma and beta), rows per second. **Ours is composed** from public ops: \`mean\`, \`var\` (population), \`sub\`, \`add\`, \`sqrt\`, \`div\`, \`mul\`, \`add\`; tfjs is composed too (\`moments\`, then the same elementwise ops); ONNX Runtime runs its one \`LayerNormalization\` op and torch its fused \`F.layer_norm\` kernel.`,
    `- **fusion**: the ${CHAIN_OPS}-op chain \`x·y + 1 → tanh → ·0.5 → + x → sigmoid → − y → abs\` on two float32 vectors, Melem/s (million output elements per second): **unfused** (${CHAIN_OPS} ops, ${CHAIN_OPS} kernels, on ours and the peers) and **fused** (ours only: \`fuse((x, y) => x.mul(y).add(1).tanh()…)\` compiles the chain into one kernel).`,
    '',
    'Peers, in this process and on the same workloads (versions and how each ran: the Peers table):',
    '',
    "- **tfjs-webgpu**: TensorFlow.js's webgpu backend on the same Dawn instance as ours: after our webgpu backend starts, `navigator.gpu` is set to the GPU object it pinned on `globalThis[Symbol.for('nonlinear.webgpu.gpu')]`, then tfjs requests its own adapter and device from it (the same adapter). Its CPU forwarding of small ops is set by --tfjs-cpu-forward (default off, so every tfjs op is a GPU dispatch like ours).",
    "- **tfjs-wasm**: TensorFlow.js's wasm backend, its .wasm files loaded from the package's dist folder (no download). In Node it runs its single-threaded SIMD build.",
    '- **tfjs-cpu**: TensorFlow.js\'s pure-JavaScript cpu backend (not tfjs-node).',
    '- **ort-cpu**: onnxruntime-node, CPU execution provider, a one-node ONNX model per workload built in memory; session creation is not timed.',
    '- **torch-cpu**: PyTorch on the CPU in a Python subprocess (a `python3` with torch, found when present; absent otherwise), `torch.set_num_threads(os.cpu_count())`, timed in Python.',
    '- **torch-cuda**: the same PyTorch script with its tensors on the first CUDA device (absent where torch sees none): the machine\'s own limit on the same GPU; each call is timed to the end of reading one element back, as ours.',
    '',
    'Timing: each timed call of ours and of tfjs ends when one element of its result has been read back (this waits for the queued GPU work), so the times include one small readback (torch-cuda too); ONNX Runtime and torch-cpu return results in host memory. ' +
      'Ratios are ours ÷ peer as speed (higher = we are faster). Benchmarks report, they do not judge: no number here passes or fails. ' +
      'On a machine without a GPU the webgpu adapter is Mesa lavapipe (Vulkan on the CPU), so every backend and peer shares the same CPU cores; on a shared machine the numbers are noisy.',
  ].join('\n');
  const tables = [targetTable, ...(tuned.length ? [autotuneTable(tuned)] : []), table, ...(pairs.length ? [ratioTable] : []), timesTable, ...(peers.length ? [peerTable] : [])];
  return { rows, tables, figures, notes };
}

/** The autotuner's choice per shape class beside the untuned default and the slowest candidate. */
function autotuneTable(tuned: readonly AutotuneResult[]): Table {
  const ms = (r: AutotuneResult, key: string): number | undefined => r.candidates.find((c) => (r.shapeClass === 'splitK' ? c.config.endsWith('/splitK') === (key === 'on') : c.config === key))?.ms;
  return {
    title: 'Matmul autotune (this adapter)',
    columns: ['shape class', 'problem M×K×N', 'chosen', 'ms', 'untuned default', 'ms', 'default ÷ chosen', 'slowest candidate, ms', 'candidates'],
    rows: tuned.map((r) => {
      const [M, N, K] = r.shape;
      const best = ms(r, r.best);
      const untuned = ms(r, r.untuned);
      return [
        r.shapeClass,
        `${M}×${K}×${N}`,
        r.best,
        fmt(best ?? null),
        r.untuned,
        fmt(untuned ?? null),
        fmt(best !== undefined && untuned !== undefined ? untuned / best : null),
        fmt(r.candidates[r.candidates.length - 1]!.ms),
        String(r.candidates.length),
      ];
    }),
    caption:
      'Run first with `--ops autotune`: each class timed on its representative problem (median of --reps, one readback each), the fastest kept for every matmul of this run and saved in the autotune cache (see the kernels README of @nonlinear/tensor). splitK: the configuration the shape gets, unsplit (off) or split (on). "default ÷ chosen" is how many times faster tuning made that class.',
  };
}
