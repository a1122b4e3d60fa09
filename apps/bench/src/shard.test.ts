import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { inShard, parseShard } from './shard.js';
import { essence, readRecords, runCli, tempDir, testEnv } from './test-util/cli.js';

describe('shard selection', () => {
  test('K/N selects index mod N == K, and the shards partition the units', () => {
    const n = 3;
    const owners = Array.from({ length: 10 }, (_, i) => [0, 1, 2].filter((k) => inShard(i, { index: k, count: n })));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    expect(owners.map((o) => o[0])).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    expect(inShard(5, null)).toBe(true);
  });

  test('auto/N reads JOB_COMPLETION_INDEX, then SLURM_ARRAY_TASK_ID', () => {
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3', SLURM_ARRAY_TASK_ID: '1' }, '')).toEqual({ index: 3, count: 4 });
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '1' }, '')).toEqual({ index: 1, count: 4 });
    expect(parseShard('2/5', {}, '')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('auto/4', {}, '')).toThrow(/neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID/);
    expect(() => parseShard('1/0', {}, '')).toThrow(/N must be a positive integer/);
  });
});

describe('shard + merge', () => {
  test('N shards merged equal one unsharded run', async () => {
    const out = tempDir();
    const args = ['sleep', '--steps', '7', '--seeds', '2', '--ms', '1', '--out', out];
    const runs = await Promise.all([
      runCli([...args, '--run-id', 'whole']),
      runCli([...args, '--run-id', 'nightly', '--shard', '0/3']),
      runCli([...args, '--run-id', 'nightly', '--shard', '1/3']),
      // K from the environment, as in a Kubernetes Indexed Job
      runCli([...args, '--run-id', 'nightly', '--shard', 'auto/3'], testEnv({ JOB_COMPLETION_INDEX: '2' })),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const shardDirs = [0, 1, 2].map((k) => join(out, 'sleep', `nightly-shard-${k}-of-3`));
    const sizes = shardDirs.map((d) => readRecords(d).length);
    expect(sizes).toEqual([5, 5, 4]);

    const merged = await runCli(['merge', ...shardDirs]);
    expect(merged.code, merged.stderr).toBe(0);
    const dir = join(out, 'sleep', 'nightly');
    expect(merged.stdout).toContain(`merged 14 records from 3 run(s) into ${dir}/`);
    expect(essence(readRecords(dir))).toEqual(essence(readRecords(join(out, 'sleep', 'whole'))));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.options.shard).toBeNull();
    expect(config.mergedFrom).toHaveLength(3);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('merged from 3 run(s): nightly-shard-0-of-3 (shard 0/3)');
    expect(report).toContain('14 of 14 done');
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8')).toBe(readFileSync(join(out, 'sleep', 'whole', 'summary.csv'), 'utf8'));

    // Merging again into the same place is refused; missing shards make a partial report.
    const again = await runCli(['merge', ...shardDirs]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const partial = await runCli(['merge', shardDirs[0]!, shardDirs[1]!, '--run-id', 'partial']);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toContain('warning: 4 unit(s) have no record in any input');
    expect(existsSync(join(out, 'sleep', 'partial', 'report.md'))).toBe(true);
  });

  test('runs with different options do not merge', async () => {
    const out = tempDir();
    const a = await runCli(['sleep', '--steps', '4', '--ms', '0', '--out', out, '--run-id', 'a', '--shard', '0/2']);
    const b = await runCli(['sleep', '--steps', '5', '--ms', '0', '--out', out, '--run-id', 'a', '--shard', '1/2']);
    expect([a.code, b.code]).toEqual([0, 0]);
    const r = await runCli(['merge', join(out, 'sleep', 'a-shard-0-of-2'), join(out, 'sleep', 'a-shard-1-of-2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('was run with other options');
    expect(existsSync(join(out, 'sleep', 'a'))).toBe(false);
  });
});
