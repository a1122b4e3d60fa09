/**
 * Kernel throughput of @nonlinear/tensor on each selected backend, through its public API:
 * matmul GFLOP/s (square sizes and one transformer shape), elementwise GB/s (a unary and a
 * binary op on a large tensor), the marginal cost of one tiny op in a chain (dispatch
 * overhead), and softmax rows/s. Medians over repetitions after warm-up, and each backend's
 * speed relative to the cpu backend measured in the same run. A later issue adds peers
 * (TensorFlow.js and others) as further backends of this suite.
 */
import { add, manualSeed, matmul, neg, randn, softmax, type Tensor } from '@nonlinear/tensor';
import { barErrors, logLogScatter } from '../figures.js';
import { timeIt } from '../measure.js';
import { fmt, median, quantile } from '../stats.js';
import { defineSuite, type BackendName, type JsonObject, type Table, type Unit, type UnitRecord } from '../suite.js';

const OPS = ['matmul', 'elementwise', 'overhead', 'softmax'] as const;
type Kind = 'matmul' | 'unary' | 'binary' | 'overhead' | 'softmax';

/** Elements of the tiny tensor the overhead chain works on. */
const TINY = 16;

interface Params extends JsonObject {
  backend: BackendName;
  kind: Kind;
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
};

export const kernelsSuite = defineSuite({
  name: 'kernels',
  description: 'matmul GFLOP/s, elementwise GB/s, per-op overhead and softmax rows/s per backend, with ratios to cpu',
  options: {
    ops: { type: 'enum[]', values: OPS, default: [...OPS], description: 'which measurements to run' },
    matmulSizes: { type: 'int[]', min: 1, max: 16384, default: [256, 512, 1024], quick: [256, 512], description: 'square matmul sizes n (n x n @ n x n)' },
    transformer: {
      type: 'int[]',
      length: 3,
      min: 1,
      max: 65536,
      default: [256, 768, 3072],
      quick: [128, 256, 1024],
      description: 'a transformer matmul M,K,N: M tokens x K model width @ K x N (default: GPT-2 small MLP up-projection, 256 tokens)',
    },
    elementwiseSize: { type: 'int', min: 1, max: 1 << 28, default: 1 << 24, quick: 1 << 20, description: 'elements of the large unary (neg) and binary (add) op' },
    chain: { type: 'int', min: 2, max: 100000, default: 200, quick: 50, description: `length of the chain of tiny ops (add 1 to ${TINY} floats) for per-op overhead` },
    softmax: { type: 'int[]', length: 2, min: 1, max: 1 << 24, default: [4096, 1024], quick: [1024, 256], description: 'softmax over the last dim of a ROWS,COLS tensor' },
    reps: { type: 'int', min: 1, max: 10000, default: 15, quick: 5, description: 'timed repetitions per measurement' },
    warmup: { type: 'int', min: 0, max: 1000, default: 3, quick: 1, description: 'untimed runs before the timed ones' },
  },

  units(o, common) {
    const workloads: Omit<Params, 'backend' | 'seed'>[] = [];
    if (o.ops.includes('matmul')) {
      for (const n of o.matmulSizes) workloads.push({ kind: 'matmul', workload: `matmul-${n}`, shape: [n, n, n] });
      const [m, k, n] = o.transformer as [number, number, number];
      workloads.push({ kind: 'matmul', workload: `matmul-transformer-${m}x${k}x${n}`, shape: [m, k, n] });
    }
    if (o.ops.includes('elementwise')) {
      workloads.push({ kind: 'unary', workload: `unary-neg-${o.elementwiseSize}`, shape: [o.elementwiseSize] });
      workloads.push({ kind: 'binary', workload: `binary-add-${o.elementwiseSize}`, shape: [o.elementwiseSize] });
    }
    if (o.ops.includes('overhead')) workloads.push({ kind: 'overhead', workload: `overhead-chain-${o.chain}`, shape: [TINY] });
    if (o.ops.includes('softmax')) workloads.push({ kind: 'softmax', workload: `softmax-${o.softmax[0]}x${o.softmax[1]}`, shape: [...o.softmax] });
    const units: Unit[] = [];
    for (let seed = 0; seed < common.seeds; seed++) {
      for (const w of workloads) {
        for (const backend of common.backends) {
          units.push({ id: `${backend}/${w.workload}/seed-${seed}`, params: { ...w, backend, seed } });
        }
      }
    }
    return units;
  },

  async run(unit, ctx) {
    const o = ctx.options;
    const p = unit.params as Params;
    const device = await ctx.backend(p.backend);
    manualSeed(p.seed);
    const inputs: Tensor[] = [];
    const input = (shape: number[]): Tensor => {
      const t = randn(shape, { device });
      inputs.push(t);
      return t;
    };
    try {
      const base = { backend: p.backend, workload: p.workload, kind: p.kind, shape: p.shape, metric: METRIC[p.kind], reps: o.reps, warmup: o.warmup };
      const rated = (work: number, workUnit: string, timesMs: number[], rate: (ms: number) => number): JsonObject => ({
        ...base,
        work,
        workUnit,
        timesMs,
        medianMs: median(timesMs),
        samples: timesMs.map(rate),
        value: median(timesMs.map(rate)),
        higherIsBetter: true,
      });
      switch (p.kind) {
        case 'matmul': {
          const [m, k, n] = p.shape as [number, number, number];
          const a = input([m, k]);
          const b = input([k, n]);
          const flops = 2 * m * k * n;
          const { timesMs } = await timeIt(o.reps, o.warmup, () => matmul(a, b));
          return rated(flops, 'FLOP', timesMs, (ms) => flops / (ms * 1e6));
        }
        case 'unary':
        case 'binary': {
          const [size] = p.shape as [number];
          const x = input([size]);
          const y = p.kind === 'binary' ? input([size]) : null;
          // float32: each operand read once, the result written once.
          const bytes = 4 * size * (p.kind === 'binary' ? 3 : 2);
          const { timesMs } = await timeIt(o.reps, o.warmup, () => (y ? add(x, y) : neg(x)));
          return rated(bytes, 'byte', timesMs, (ms) => bytes / (ms * 1e6));
        }
        case 'softmax': {
          const [rows, cols] = p.shape as [number, number];
          const x = input([rows, cols]);
          const { timesMs } = await timeIt(o.reps, o.warmup, () => softmax(x, -1));
          return rated(rows, 'row', timesMs, (ms) => rows / (ms / 1e3));
        }
        case 'overhead': {
          const x = input([TINY]);
          const chain = (len: number) => (): Tensor => {
            let y = x;
            for (let i = 0; i < len; i++) y = add(y, 1);
            return y;
          };
          const one = await timeIt(o.reps, o.warmup, chain(1));
          const long = await timeIt(o.reps, o.warmup, chain(o.chain));
          const baseline = median(one.timesMs);
          // Marginal cost of one more op: the chain's time less a one-op run (which carries the
          // readback), spread over the extra ops.
          const perOp = (ms: number): number => ((ms - baseline) * 1e3) / (o.chain - 1);
          return {
            ...base,
            chain: o.chain,
            timesMs: long.timesMs,
            medianMs: median(long.timesMs),
            baselineTimesMs: one.timesMs,
            baselineMedianMs: baseline,
            samples: long.timesMs.map(perOp),
            value: perOp(median(long.timesMs)),
            higherIsBetter: false,
          };
        }
      }
    } finally {
      for (const t of inputs) t.dispose();
    }
  },

  brief(r) {
    return `${fmt(r.value as number)} ${r.metric as string} (median ${fmt(r.medianMs as number)} ms)`;
  },

  summarize(records, o, common) {
    return summarizeKernels(records, o.reps, o.warmup, common.backends);
  },
});

interface Cell {
  workload: string;
  kind: Kind;
  backend: string;
  metric: string;
  samples: number[];
  medianMs: number[];
  higherIsBetter: boolean;
}

/** Exported for tests: summary of kernel records (pooled over seeds). */
export function summarizeKernels(records: readonly UnitRecord[], reps: number, warmup: number, backendsRun: readonly string[]) {
  const cells = new Map<string, Cell>();
  const workloads: string[] = [];
  const backends: string[] = [];
  for (const r of records) {
    const d = r.data;
    const workload = d.workload as string;
    const backend = d.backend as string;
    if (!workloads.includes(workload)) workloads.push(workload);
    if (!backends.includes(backend)) backends.push(backend);
    const key = `${workload}\u0000${backend}`;
    let c = cells.get(key);
    if (!c) {
      c = { workload, kind: d.kind as Kind, backend, metric: d.metric as string, samples: [], medianMs: [], higherIsBetter: d.higherIsBetter as boolean };
      cells.set(key, c);
    }
    c.samples.push(...(d.samples as number[]));
    c.medianMs.push(d.medianMs as number);
  }
  backends.sort((a, b) => backendsRun.indexOf(a) - backendsRun.indexOf(b));
  const cell = (w: string, b: string): Cell | undefined => cells.get(`${w}\u0000${b}`);
  const value = (c: Cell | undefined): number | null => (c ? median(c.samples) : null);
  /** How many times faster than cpu (rates: value / cpu value; costs: cpu / value). */
  const vsCpu = (w: string, b: string): number | null => {
    const v = value(cell(w, b));
    const cpu = value(cell(w, 'cpu'));
    if (v === null || cpu === null || b === 'cpu') return null;
    return cell(w, b)!.higherIsBetter ? v / cpu : cpu / v;
  };

  const rows = [...cells.values()].map((c) => ({
    workload: c.workload,
    kind: c.kind,
    backend: c.backend,
    metric: c.metric,
    median: value(c),
    q25: quantile(c.samples, 0.25),
    q75: quantile(c.samples, 0.75),
    samples: c.samples.length,
    median_ms: median(c.medianMs),
    x_cpu: vsCpu(c.workload, c.backend),
  }));

  const others = backends.filter((b) => b !== 'cpu');
  const hasCpu = backends.includes('cpu');
  const table: Table = {
    title: 'Kernels',
    columns: ['workload', 'metric', ...backends, ...(hasCpu ? others.map((b) => `${b} × cpu`) : [])],
    rows: workloads.map((w) => {
      const first = backends.map((b) => cell(w, b)).find((c) => c)!;
      return [w, first.metric, ...backends.map((b) => fmt(value(cell(w, b)))), ...(hasCpu ? others.map((b) => fmt(vsCpu(w, b))) : [])];
    }),
    caption:
      `Median over ${reps} timed repetitions after ${warmup} warm-up run(s)` +
      (hasCpu ? '; "× cpu" is how many times faster than the cpu backend in this run (for us/op: cpu time over this backend\'s).' : '; run with --backend auto (or cpu) for ratios to cpu.'),
  };
  const timesTable: Table = {
    title: 'Median wall time per call (ms)',
    columns: ['workload', ...backends],
    rows: workloads.map((w) => [w, ...backends.map((b) => fmt(cell(w, b) ? median(cell(w, b)!.medianMs) : null))]),
    caption: 'Each call is timed from the op to the end of one readback of one element of its result. For the overhead chain: the whole chain.',
  };

  const bySample = (kinds: Kind[]) =>
    [...cells.values()].filter((c) => kinds.includes(c.kind)).flatMap((c) => c.samples.map((v) => ({ category: c.workload, group: c.backend, value: v })));
  const figures = [];
  const mm = bySample(['matmul']);
  if (mm.length) {
    figures.push({ name: 'gflops', title: 'Matmul GFLOP/s per backend', spec: barErrors(mm, { title: 'Matmul throughput', yTitle: 'GFLOP/s', groupTitle: 'backend' }) });
    const scaling = [...cells.values()]
      .filter((c) => c.kind === 'matmul')
      .map((c) => {
        const r = records.find((x) => x.data.workload === c.workload && x.data.backend === c.backend)!;
        return { x: r.data.work as number, y: median(c.medianMs), series: c.backend };
      });
    if (scaling.length >= 2) {
      figures.push({ name: 'matmul-scaling', title: 'Matmul time against FLOPs (log-log)', spec: logLogScatter(scaling, { title: 'Matmul time against work', xTitle: 'FLOP per call', yTitle: 'median ms per call', seriesTitle: 'backend' }).spec });
    }
  }
  const ew = bySample(['unary', 'binary']);
  if (ew.length) figures.push({ name: 'bandwidth', title: 'Elementwise GB/s per backend', spec: barErrors(ew, { title: 'Elementwise bandwidth', yTitle: 'GB/s', groupTitle: 'backend' }) });

  const notes = [
    'There is no paper to compare with: this suite states what this build of `@nonlinear/tensor` does on this machine. What was measured:',
    '',
    '- **matmul**: `matmul(a, b)` of float32 `randn` operands, GFLOP/s = 2·M·K·N / time. Square sizes and one transformer shape (M tokens × K width @ K × N).',
    '- **elementwise**: `neg(x)` (unary) and `add(x, y)` (binary) on float32; GB/s counts each operand read once and the result written once (8 and 12 bytes per element).',
    `- **overhead**: a chain of \`add(y, 1)\` on ${TINY} floats; us/op = (time of the chain − time of one op) / (chain length − 1), the marginal cost of one more tiny op (dispatch, bookkeeping).`,
    '- **softmax**: `softmax(x, -1)` over rows of a float32 matrix, rows per second.',
    '',
    'Each timed call ends when one element of its result has been read back (this waits for the queued GPU work), so the times include one readback. ' +
      'Benchmarks report, they do not judge: no number here passes or fails. On a machine without a GPU the webgpu adapter is Mesa lavapipe (Vulkan on the CPU), so webgpu and cpu share the same cores.',
  ].join('\n');
  return { rows, tables: [table, timesTable], figures, notes };
}
