import { CLASS_SHAPES, chooseMatmulConfig, saveTuned, type ShapeClass } from './backend/webgpu/autotune.js';
import { MATMUL_CANDIDATES, configKey, type MatmulConfig } from './backend/webgpu/kernels/matmul.js';
import type { WebGPUBackend } from './backend/webgpu/webgpu-backend.js';
import { dispose, tidy } from './memory.js';
import { matmul } from './ops/matmul.js';
import { randn } from './random.js';
import type { Tensor } from './tensor.js';

/** One shape class's outcome of {@link autotuneMatmul}. */
export interface AutotuneResult {
  /** The class tuned: skinny (small M), matvec (small N), small or large products, or splitK (long K, few outputs). */
  shapeClass: ShapeClass;
  /** The representative problem timed, as [M, N, K]. */
  shape: [number, number, number];
  /** Key of the fastest configuration, now used for this class; for splitK, `on` or `off`. */
  best: string;
  /** What the class gets without tuning (the adapter's default), to set beside `best`; for splitK, `on`. */
  untuned: string;
  /** Median milliseconds of every candidate, fastest first. */
  candidates: {
    /** Key of one of {@link MATMUL_CANDIDATES}, e.g. `4x4/16x16/A4B4` (tile, workgroup, vec4 flags) or `dot4/L1`; `/splitK` when split along K. */
    config: string;
    /** Its median time in milliseconds, including one readback. */
    ms: number;
  }[];
}

async function settle(t: Tensor): Promise<void> {
  const one = t.reshape([-1]).index([0, 1]);
  await one.data();
  one.dispose();
}

/**
 * The candidates timed for a kernel class: dot kernels only where N is small, and workgroup-memory
 * tiles only on hardware adapters (on CPU Vulkan their barriers make them many times slower than
 * the register tiles, so timing them there only costs time).
 */
export function classCandidates(cls: ShapeClass, isSoftware: boolean): readonly MatmulConfig[] {
  return MATMUL_CANDIDATES.filter((c) => (cls === 'matvec' || c.kind !== 'dot') && !(isSoftware && c.kind === 'shared'));
}

/**
 * Times every matmul candidate on a representative problem of each shape class, keeps the
 * fastest for this adapter, and (in Node) stores the choice in the autotune cache so later
 * processes start tuned. For `splitK` it times the configuration the shape would get, unsplit
 * and split along K, and keeps `on` or `off`. Run it once per machine, e.g. with `pnpm bench kernels --ops autotune,matmul`.
 */
export async function autotuneMatmul(
  backend: WebGPUBackend,
  options: { reps?: number; classes?: ShapeClass[]; save?: boolean } = {},
): Promise<AutotuneResult[]> {
  const { reps = 5, classes = ['skinny', 'matvec', 'small', 'large', 'splitK'], save = true } = options;
  const results: AutotuneResult[] = [];
  const saved = { config: backend.matmulConfig, tuned: backend.tuned };
  try {
    for (const cls of classes) {
      const [M, N, K] = CLASS_SHAPES[cls];
      const a = randn([M, K], { device: backend });
      const b = randn([K, N], { device: backend });
      const candidates: { config: string; ms: number }[] = [];
      // splitK compares the configuration this shape gets (tuned so far) unsplit and split.
      const tunedSoFar = { ...saved.tuned, ...Object.fromEntries(results.map((r) => [r.shapeClass, r.best])) };
      const base = chooseMatmulConfig(M, N, K, 1, { ...tunedSoFar, splitK: 'on' }, backend.isSoftware);
      const configs = cls === 'splitK' ? [{ ...base, splitK: false }, { ...base, splitK: true }] : classCandidates(cls, backend.isSoftware);
      backend.tuned = {};
      for (const config of configs) {
        backend.matmulConfig = config;
        const warm = tidy(() => matmul(a, b));
        await settle(warm);
        warm.dispose();
        const times: number[] = [];
        for (let r = 0; r < reps; r++) {
          const t0 = performance.now();
          const out = matmul(a, b);
          await settle(out);
          times.push(performance.now() - t0);
          out.dispose();
        }
        times.sort((x, y) => x - y);
        candidates.push({ config: configKey(config), ms: times[Math.floor(times.length / 2)]! });
      }
      dispose([a, b]);
      candidates.sort((x, y) => x.ms - y.ms);
      const best = cls === 'splitK' ? (candidates[0]!.config.endsWith('/splitK') ? 'on' : 'off') : candidates[0]!.config;
      const untuned = cls === 'splitK' ? 'on' : configKey(chooseMatmulConfig(M, N, K, 1, {}, backend.isSoftware));
      results.push({ shapeClass: cls, shape: [M, N, K], best, untuned, candidates });
    }
  } finally {
    backend.matmulConfig = saved.config;
    backend.tuned = saved.tuned;
  }
  for (const r of results) backend.tuned[r.shapeClass] = r.best;
  if (save) await saveTuned(backend.description, backend.tuned);
  return results;
}
