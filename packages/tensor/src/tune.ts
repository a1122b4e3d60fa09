import { CLASS_SHAPES, saveTuned, type ShapeClass } from './backend/webgpu/autotune.js';
import { MATMUL_CANDIDATES, configKey } from './backend/webgpu/kernels/matmul.js';
import type { WebGPUBackend } from './backend/webgpu/webgpu-backend.js';
import { dispose, tidy } from './memory.js';
import { matmul } from './ops/matmul.js';
import { randn } from './random.js';
import type { Tensor } from './tensor.js';

/** One shape class's outcome of {@link autotuneMatmul}. */
export interface AutotuneResult {
  /** The class tuned: skinny (matrix-vector-like), small or large products. */
  shapeClass: ShapeClass;
  /** The representative problem timed, as [M, N, K]. */
  shape: [number, number, number];
  /** Key of the fastest configuration, now used for this class. */
  best: string;
  /** Median milliseconds of every candidate, fastest first. */
  candidates: {
    /** Key of one of {@link MATMUL_CANDIDATES}: tile, workgroup and vec4 flags, e.g. `4x4/16x16/A4B4`. */
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
 * Times every matmul candidate on a representative problem of each shape class, keeps the
 * fastest for this adapter, and (in Node) stores the choice in the autotune cache so later
 * processes start tuned. Run it once per machine, e.g. from `pnpm bench kernels`.
 */
export async function autotuneMatmul(
  backend: WebGPUBackend,
  options: { reps?: number; classes?: ShapeClass[]; save?: boolean } = {},
): Promise<AutotuneResult[]> {
  const { reps = 5, classes = ['skinny', 'small', 'large'], save = true } = options;
  const results: AutotuneResult[] = [];
  const saved = { config: backend.matmulConfig, tuned: backend.tuned };
  try {
    for (const cls of classes) {
      const [M, N, K] = CLASS_SHAPES[cls];
      const a = randn([M, K], { device: backend });
      const b = randn([K, N], { device: backend });
      const candidates: { config: string; ms: number }[] = [];
      backend.tuned = {};
      for (const config of MATMUL_CANDIDATES) {
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
      results.push({ shapeClass: cls, shape: [M, N, K], best: candidates[0]!.config, candidates });
    }
  } finally {
    backend.matmulConfig = saved.config;
    backend.tuned = saved.tuned;
  }
  for (const r of results) backend.tuned[r.shapeClass] = r.best;
  if (save) await saveTuned(backend.description, backend.tuned);
  return results;
}
