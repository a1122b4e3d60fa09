import { isNode, nodeImport } from '../../node.js';
import { MATMUL_CANDIDATES, configKey, defaultMatmulConfig, type MatmulConfig } from './kernels/matmul.js';

/**
 * Matmul tile configurations chosen per adapter and shape class by timing the candidates once
 * (`autotuneMatmul` in ops/tune.ts), cached on disk keyed by the adapter's description so a
 * later process starts tuned. Without a cache entry the adapter's default is used: nothing is
 * timed behind the user's back.
 */

/**
 * Kernel shape classes: small M (vector @ matrix and a few rows), small N (matrix @ vector),
 * small and large products; plus `splitK`, the long-K problems with few outputs, whose tuned
 * entry says whether splitting K pays on this adapter (`on` or `off`).
 */
export type ShapeClass = 'skinny' | 'matvec' | 'small' | 'large' | 'splitK';

/** Columns at most this many (with more rows) take the matrix @ vector path. */
const MATVEC_MAX_N = 4;
/** Split K when it is at least this long ... */
const SPLIT_MIN_K = 4096;
/** ... and the product has at most this many outputs (batch x M x N). */
const SPLIT_MAX_OUTPUTS = 1 << 14;

/** The kernel class of an M x K @ K x N product: matrix-vector-like, small, or large. */
export function shapeClass(M: number, N: number, K: number): Exclude<ShapeClass, 'splitK'> {
  if (N <= MATVEC_MAX_N && M > N) return 'matvec';
  if (Math.min(M, N) <= 16) return 'skinny';
  return M * N * K <= 1 << 21 ? 'small' : 'large';
}

/** Whether a product is long along K with few outputs, the shape rule for split-K. */
export function isLongK(outputs: number, K: number): boolean {
  return K >= SPLIT_MIN_K && outputs <= SPLIT_MAX_OUTPUTS;
}

/** A representative problem per class, for timing. */
export const CLASS_SHAPES: Record<ShapeClass, [number, number, number]> = {
  skinny: [1, 2048, 1024],
  matvec: [2048, 1, 1024],
  small: [128, 128, 128],
  large: [1024, 1024, 1024],
  splitK: [64, 64, 16384],
};

/** The chosen matmul configuration (its key) per kernel class, and `on`/`off` for splitK. */
export type TunedConfigs = Partial<Record<ShapeClass, string>>;

/** The candidate configuration with this key (split or not), if any. */
export function configFromKey(key: string): MatmulConfig | undefined {
  const split = key.endsWith('/splitK');
  const base = split ? key.slice(0, -'/splitK'.length) : key;
  const c = MATMUL_CANDIDATES.find((x) => configKey(x) === base);
  return c && split ? { ...c, splitK: true } : c;
}

/** The untuned configuration for a kernel class: the measured or reasoned default per adapter kind. */
export function classDefault(cls: Exclude<ShapeClass, 'splitK'>, isSoftware: boolean): MatmulConfig {
  switch (cls) {
    case 'matvec':
      // CPU Vulkan: registers, no barriers; GPUs: a workgroup shares K and reduces in a tree.
      return isSoftware ? { kind: 'dot', rm: 4, lanes: 1 } : { kind: 'dot', rm: 1, lanes: 64 };
    case 'skinny':
      return isSoftware ? { tm: 1, tn: 8, wg: [32, 1], vecA: false, vecB: true } : { tm: 1, tn: 4, wg: [64, 1], vecA: false, vecB: true };
    default:
      return defaultMatmulConfig(isSoftware);
  }
}

/**
 * The configuration a matmul of `batch` products M x K @ K x N runs with. An override (a
 * configuration set on the backend, as the autotuner and tests do) is used as is for every
 * shape. Otherwise the tuned configuration of the shape's kernel class (else its default), split
 * along K when the shape is long along K with few outputs, unless tuning found splitting slower.
 */
export function chooseMatmulConfig(
  M: number,
  N: number,
  K: number,
  batch: number,
  tuned: TunedConfigs,
  isSoftware: boolean,
  override: MatmulConfig | null = null,
): MatmulConfig {
  if (override) return override;
  const cls = shapeClass(M, N, K);
  const key = tuned[cls];
  const base = (key && configFromKey(key)) || classDefault(cls, isSoftware);
  if (isLongK(batch * M * N, K) && tuned.splitK !== 'off') return { ...base, splitK: true };
  return base.splitK ? { ...base, splitK: false } : base;
}

async function cacheFile(): Promise<string | null> {
  if (!isNode()) return null;
  const os = await nodeImport<typeof import('node:os')>('node:os');
  const path = await nodeImport<typeof import('node:path')>('node:path');
  const dir = process.env.NONLINEAR_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nonlinear');
  return path.join(dir, 'autotune.json');
}

/** Tuned configurations for an adapter, from the disk cache (Node only; none in browsers). */
export async function loadTuned(adapter: string): Promise<TunedConfigs> {
  try {
    const file = await cacheFile();
    if (!file) return {};
    const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
    const all = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, TunedConfigs>;
    return all[adapter] ?? {};
  } catch {
    return {};
  }
}

/** Stores tuned configurations for an adapter; returns the file written, or null where there is no disk. */
export async function saveTuned(adapter: string, tuned: TunedConfigs): Promise<string | null> {
  const file = await cacheFile();
  if (!file) return null;
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const path = await nodeImport<typeof import('node:path')>('node:path');
  let all: Record<string, TunedConfigs> = {};
  try {
    all = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, TunedConfigs>;
  } catch {
    // no cache yet
  }
  all[adapter] = { ...all[adapter], ...tuned };
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(all, null, 2));
  await fs.rename(tmp, file);
  return file;
}
