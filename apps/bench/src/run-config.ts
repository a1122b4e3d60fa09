/** config.json: everything a run was started with and where it ran. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GitInfo } from './meta.js';
import { RunError } from './options.js';
import type { Shard } from './shard.js';
import type { BackendName, JsonObject, Mode } from './suite.js';

export const FORMAT = 'nonlinear-bench-run/1';

export interface SuiteConfig {
  name: string;
  /** Every option of the suite, defaults filled in. */
  options: JsonObject;
  /** The ids of all the suite's units in order (the whole list, not only this shard's). */
  units: string[];
}

export interface ShardRun {
  dir: string;
  runId: string;
  shard: Shard | null;
  adapters: Record<string, string>;
  host: JsonObject;
  git: GitInfo;
  createdAt: string;
}

export interface RunConfig {
  format: typeof FORMAT;
  runId: string;
  /** The suite's name, or `all` for a run of every suite. */
  name: string;
  createdAt: string;
  /** The command line as typed (after `pnpm bench`). */
  argv: string[];
  options: {
    mode: Mode;
    backend: 'webgpu' | 'cpu' | 'auto';
    seeds: number;
    shard: Shard | null;
    out: string;
    config: string | null;
  };
  suites: SuiteConfig[];
  /** The backends the choice resolved to on this machine, and their descriptions. */
  backends: BackendName[];
  adapters: Record<string, string>;
  versions: Record<string, string | null>;
  git: GitInfo;
  host: JsonObject;
  /** For a merged run: the runs it was merged from. */
  mergedFrom?: ShardRun[];
}

export function readConfig(dir: string): RunConfig {
  const p = join(dir, 'config.json');
  if (!existsSync(p)) throw new RunError(`${dir} is not a run directory (no config.json)`);
  let c: RunConfig;
  try {
    c = JSON.parse(readFileSync(p, 'utf8')) as RunConfig;
  } catch (e) {
    throw new RunError(`${p}: not valid JSON (${(e as Error).message})`);
  }
  if (c.format !== FORMAT) throw new RunError(`${p}: unknown format "${String(c.format)}" (expected ${FORMAT})`);
  return c;
}
