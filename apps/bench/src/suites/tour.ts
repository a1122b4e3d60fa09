/**
 * The tour: the adapter of each backend, and one matmul and one activation (GELU, erf form)
 * timed on it. A first look, not a comparison: the cpu backend gets smaller sizes so it ends
 * in seconds (the kernels suite compares backends at equal sizes).
 */
import { gelu, manualSeed, matmul, randn } from '@nonlinear/tensor';
import { timeIt } from '../measure.js';
import { fmt, median } from '../stats.js';
import { defineSuite, type BackendName, type Unit } from '../suite.js';

export const tourSuite = defineSuite({
  name: 'tour',
  description: 'the adapter of each backend, and a matmul and a GELU timed on it (a first look)',
  options: {
    reps: { type: 'int', min: 1, max: 10000, default: 10, quick: 3, description: 'timed repetitions per measurement, after one warm-up' },
    matmul: { type: 'int', min: 1, max: 16384, default: 1024, quick: 256, description: 'square matmul size n (n x n @ n x n) on webgpu' },
    cpuMatmul: { type: 'int', min: 1, max: 16384, default: 256, quick: 128, description: 'square matmul size on cpu' },
    gelu: { type: 'int', min: 1, max: 1 << 28, default: 1 << 22, quick: 1 << 18, description: 'elements for the GELU on webgpu' },
    cpuGelu: { type: 'int', min: 1, max: 1 << 28, default: 1 << 18, quick: 1 << 16, description: 'elements for the GELU on cpu' },
  },
  units(o, common) {
    const units: Unit[] = [];
    for (let seed = 0; seed < common.seeds; seed++) {
      for (const backend of common.backends) {
        const n = backend === 'cpu' ? o.cpuMatmul : o.matmul;
        const m = backend === 'cpu' ? o.cpuGelu : o.gelu;
        units.push({ id: `${backend}/matmul-${n}/seed-${seed}`, params: { backend, op: 'matmul', n, seed } });
        units.push({ id: `${backend}/gelu-${m}/seed-${seed}`, params: { backend, op: 'gelu', n: m, seed } });
      }
    }
    return units;
  },
  async run(unit, ctx) {
    const o = ctx.options;
    const { backend: name, op, n, seed } = unit.params as { backend: BackendName; op: 'matmul' | 'gelu'; n: number; seed: number };
    const device = await ctx.backend(name);
    manualSeed(seed);
    if (op === 'matmul') {
      const a = randn([n, n], { device });
      const b = randn([n, n], { device });
      try {
        const { timesMs } = await timeIt(o.reps, 1, () => matmul(a, b));
        const ms = median(timesMs);
        return { backend: name, adapter: device.description, workload: `matmul ${n}x${n} @ ${n}x${n}`, medianMs: ms, timesMs, rate: (2 * n ** 3) / (ms * 1e6), rateUnit: 'GFLOP/s' };
      } finally {
        a.dispose();
        b.dispose();
      }
    }
    const x = randn([n], { device });
    try {
      const { timesMs } = await timeIt(o.reps, 1, () => gelu(x));
      const ms = median(timesMs);
      return { backend: name, adapter: device.description, workload: `gelu (erf) on ${n} floats`, medianMs: ms, timesMs, rate: (8 * n) / (ms * 1e6), rateUnit: 'GB/s' };
    } finally {
      x.dispose();
    }
  },
  brief(r) {
    return `${fmt(r.medianMs as number)} ms, ${fmt(r.rate as number)} ${r.rateUnit as string}`;
  },
  summarize(records, o) {
    const rows = records.map((r) => ({
      unit: r.unit,
      backend: r.data.backend as string,
      workload: r.data.workload as string,
      median_ms: r.data.medianMs as number,
      rate: r.data.rate as number,
      rate_unit: r.data.rateUnit as string,
      adapter: r.data.adapter as string,
    }));
    const adapters = new Map(records.map((r) => [r.data.backend as string, r.data.adapter as string]));
    return {
      rows,
      tables: [
        {
          title: 'Adapters',
          columns: ['backend', 'description'],
          rows: [...adapters].map(([b, d]) => [b, d]),
        },
        {
          title: 'Timings',
          columns: ['backend', 'workload', 'median ms', 'rate'],
          rows: rows.map((r) => [r.backend, r.workload, fmt(r.median_ms), `${fmt(r.rate)} ${r.rate_unit}`]),
          caption: `Median of ${o.reps} runs after one warm-up; wall time including one readback. GELU bytes count one read and one write of float32.`,
        },
      ],
      figures: [],
      notes:
        'No paper here: the tour shows that each backend starts and computes, with a first timing. ' +
        'The cpu backend gets smaller sizes than webgpu, so its rates are not comparable with webgpu\'s; the `kernels` suite compares backends at equal sizes.',
    };
  },
});
