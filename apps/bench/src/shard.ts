/**
 * Sharding: shard K of N runs the units whose index in the suite's deterministic unit list
 * satisfies `index mod N == K` (K 0-based). Round-robin rather than contiguous blocks, so every
 * shard gets a similar mix of sizes and backends. In a run of several suites the index counts
 * within each suite.
 */
import { UsageError } from './options.js';

export interface Shard {
  index: number;
  count: number;
}

/** Environment variables `--shard auto/N` reads K from, in this order. */
export const SHARD_ENV = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

export function parseShard(text: string, env: NodeJS.ProcessEnv, helpCommand: string): Shard {
  const m = /^(auto|\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard: expected K/N (e.g. 0/4) or auto/N; got "${text}"`, helpCommand);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new UsageError(`--shard: N must be a positive integer; got "${m[2]}"`, helpCommand);
  let index: number;
  if (m[1] === 'auto') {
    const name = SHARD_ENV.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) {
      throw new UsageError(`--shard auto/${count}: neither ${SHARD_ENV.join(' nor ')} is set (set one, or give K explicitly: --shard K/${count})`, helpCommand);
    }
    const v = env[name]!;
    if (!/^\d+$/.test(v)) throw new UsageError(`--shard auto/${count}: ${name}="${v}" is not a non-negative integer`, helpCommand);
    index = Number(v);
    if (index >= count) {
      throw new UsageError(
        `--shard auto/${count}: ${name}=${index} is not below ${count} (shard indices are 0-based; for Slurm use --array=0-${count - 1})`,
        helpCommand,
      );
    }
  } else {
    index = Number(m[1]);
    if (index >= count) throw new UsageError(`--shard ${text}: K must be in 0..${count - 1} (0-based)`, helpCommand);
  }
  return { index, count };
}

export function inShard(unitIndex: number, shard: Shard | null): boolean {
  return shard === null || unitIndex % shard.count === shard.index;
}

export function formatShard(shard: Shard | null): string {
  return shard === null ? 'none' : `${shard.index}/${shard.count}`;
}
