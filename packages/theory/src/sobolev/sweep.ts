import * as T from '@nonlinear/tensor';
import { ValueError, type Backend } from '@nonlinear/tensor';
import type { UnaryModule } from '@nonlinear/nn';
import { effectiveRank } from '@nonlinear/activations';
import { deriveSeed } from '../rates/index.js';
import type { ResultStore } from '../store.js';
import type { FamilyContext, ModelFamily } from './families.js';
import { errorNorms, type ErrorNormOptions, type ErrorNorms } from './norms.js';
import type { SobolevTarget } from './targets.js';
import { fitTarget, type FitOptions, type FitResult } from './train.js';

/**
 * Approximation-rate sweeps: every (target, family, size, seed) cell trains one model and
 * measures its errors. Each cell is seeded on its own (from its target, family, size and seed),
 * so any cell can be recomputed alone, and finished cells go to a store as they complete, so a
 * killed sweep resumes where it stopped.
 */

/** What a sweep runs. */
export interface SobolevSweepConfig {
  /** The targets (their names must be distinct). */
  targets: SobolevTarget[];
  /** The model families (their names must be distinct). */
  families: ModelFamily[];
  /** The size ladder (widths for the MLP families), each a positive integer. */
  sizes: number[];
  /** The seeds: a count (0..count-1) or a list. */
  seeds: number | number[];
  /** Training options (device and dtype come from the sweep). */
  fit?: Omit<FitOptions, 'device' | 'dtype'>;
  /** Error-norm options (device and dtype come from the sweep). */
  errors?: Omit<ErrorNormOptions, 'device' | 'dtype'>;
  /** Backend of every model. */
  device?: string | Backend;
  /** dtype of every model (default float32; float64 on cpu for precise rates). */
  dtype?: 'float32' | 'float64';
}

/** One unit of a sweep. */
export interface SobolevCell {
  /** `target/family/size-<size>/seed-<seed>`, unique in the sweep. */
  key: string;
  /** The target. */
  target: SobolevTarget;
  /** The model family. */
  family: ModelFamily;
  /** The size passed to the family's factory. */
  size: number;
  /** The seed (the tensor generator is seeded with a hash of the whole cell). */
  seed: number;
}

/** The record of one finished cell (plain JSON). */
export interface SobolevCellResult {
  /** The cell key (see {@link SobolevCell.key}). */
  key: string;
  /** Target name. */
  target: string;
  /** d. */
  dim: number;
  /** n (null for infinitely smooth targets: JSON has no Infinity). */
  smoothness: number | null;
  /** Family name. */
  family: string;
  /** Size passed to the factory. */
  size: number;
  /** Seed. */
  seed: number;
  /** Trainable parameters of the model (all of them, PolyCom coefficients included). */
  parameters: number;
  /** Error norms of the trained model. */
  errors: ErrorNorms;
  /** What training did. */
  fit: FitResult;
  /** Effective rank of each weight matrix with both sides >= 2, in registration order. */
  erank: number[];
}

/**
 * Where finished cells go, keyed by `SobolevCellResult.key`: the MLE sweeps' store contract
 * (has / append / all, sync or async) with Sobolev records, so one file-backed store serves both.
 */
export type SobolevResultStore = ResultStore<SobolevCellResult>;

function checkConfig(c: SobolevSweepConfig): number[] {
  const dup = (names: string[], what: string): void => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new ValueError(`sobolevCells: two ${what} are named '${n}'`);
      seen.add(n);
    }
  };
  if (!c.targets.length || !c.families.length || !c.sizes.length) throw new ValueError('sobolevCells: needs at least one target, one family and one size');
  dup(c.targets.map((t) => t.name), 'targets');
  dup(c.families.map((f) => f.name), 'families');
  for (const s of c.sizes) if (!Number.isInteger(s) || s < 1) throw new ValueError(`sobolevCells: sizes must be positive integers, got ${s}`);
  const seeds = typeof c.seeds === 'number' ? Array.from({ length: c.seeds }, (_, i) => i) : c.seeds;
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new ValueError(`sobolevCells: seeds must be a positive count or a list of non-negative integers, got ${JSON.stringify(c.seeds)}`);
  return seeds;
}

/** The cells of a sweep in a fixed order: target, then seed, then family, then size. */
export function sobolevCells(config: SobolevSweepConfig): SobolevCell[] {
  const seeds = checkConfig(config);
  const cells: SobolevCell[] = [];
  for (const target of config.targets) {
    for (const seed of seeds) {
      for (const family of config.families) {
        for (const size of config.sizes) cells.push({ key: `${target.name}/${family.name}/size-${size}/seed-${seed}`, target, family, size, seed });
      }
    }
  }
  return cells;
}

/** The generator seed of a cell: a hash of (target, family, size, seed). */
export function cellSeed(cell: Pick<SobolevCell, 'target' | 'family' | 'size' | 'seed'>): number {
  return deriveSeed('sobolev', cell.target.name, cell.family.name, cell.size, cell.seed);
}

async function weightRanks(model: UnaryModule): Promise<number[]> {
  const out: number[] = [];
  for (const p of model.parameters()) {
    if (p.ndim === 2 && p.shape[0]! >= 2 && p.shape[1]! >= 2) out.push(await effectiveRank(p));
  }
  return out;
}

/** Builds, trains and measures one cell. The global tensor generator is reseeded (to the cell's seed). */
export async function runSobolevCell(cell: SobolevCell, config: Pick<SobolevSweepConfig, 'fit' | 'errors' | 'device' | 'dtype'> = {}): Promise<SobolevCellResult> {
  const seed = cellSeed(cell);
  T.manualSeed(seed);
  const ctx: FamilyContext = { inFeatures: cell.target.dim, device: config.device, dtype: config.dtype };
  const model = cell.family.build(cell.size, ctx);
  try {
    const fit = await fitTarget(model, cell.target, { ...config.fit, device: config.device, dtype: config.dtype });
    const errors = await errorNorms(model, cell.target, { ...config.errors, seed: config.errors?.seed ?? seed, device: config.device, dtype: config.dtype });
    return {
      key: cell.key,
      target: cell.target.name,
      dim: cell.target.dim,
      smoothness: Number.isFinite(cell.target.smoothness) ? cell.target.smoothness : null,
      family: cell.family.name,
      size: cell.size,
      seed: cell.seed,
      parameters: model.numParameters(),
      errors,
      fit,
      erank: await weightRanks(model),
    };
  } finally {
    model.dispose();
  }
}

/** Options of {@link runSobolevSweep}. */
export interface SweepRunOptions {
  /** Finished cells are appended here; cells it already holds are skipped (resume). */
  store?: SobolevResultStore;
  /** Called after each cell with its record and the progress. */
  onResult?: (record: SobolevCellResult, done: number, total: number) => void;
}

/** Runs every cell not already in the sink, in order; returns all records (stored ones first). */
export async function runSobolevSweep(config: SobolevSweepConfig, options: SweepRunOptions = {}): Promise<SobolevCellResult[]> {
  const cells = sobolevCells(config);
  const keys = new Set(cells.map((c) => c.key));
  const stored = options.store ? (await options.store.all()).filter((r) => keys.has(r.key)) : [];
  const have = new Set(stored.map((r) => r.key));
  const results = [...stored];
  for (const cell of cells) {
    if (have.has(cell.key) || (await options.store?.has(cell.key))) continue;
    const r = await runSobolevCell(cell, config);
    await options.store?.append(r);
    results.push(r);
    options.onResult?.(r, results.length, cells.length);
  }
  return results;
}
