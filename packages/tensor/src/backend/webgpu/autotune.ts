import { isNode, nodeImport } from '../../node.js';
import { MATMUL_CANDIDATES, configKey, type MatmulConfig } from './kernels/matmul.js';

/**
 * Matmul tile configurations chosen per adapter and shape class by timing the candidates once
 * (`autotuneMatmul` in ops/tune.ts), cached on disk keyed by the adapter's description so a
 * later process starts tuned. Without a cache entry the adapter's default is used: nothing is
 * timed behind the user's back.
 */

export type ShapeClass = 'skinny' | 'small' | 'large';

/** Matrix-vector-like products, small products, and the rest. */
export function shapeClass(M: number, N: number, K: number): ShapeClass {
  if (Math.min(M, N) <= 16) return 'skinny';
  return M * N * K <= 1 << 21 ? 'small' : 'large';
}

/** A representative problem per class, for timing. */
export const CLASS_SHAPES: Record<ShapeClass, [number, number, number]> = {
  skinny: [4, 1024, 1024],
  small: [128, 128, 128],
  large: [1024, 1024, 1024],
};

/** The chosen matmul configuration (its key) per shape class. */
export type TunedConfigs = Partial<Record<ShapeClass, string>>;

export function configFromKey(key: string): MatmulConfig | undefined {
  return MATMUL_CANDIDATES.find((c) => configKey(c) === key);
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
