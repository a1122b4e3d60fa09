/**
 * `pnpm bench merge DIR...`: the runs of one command's shards (or any runs of the same suite
 * with the same options) become one run directory with one report, as if one process had
 * run every unit.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gitInfo, hostInfo, versions } from './meta.js';
import { RunError, UsageError } from './options.js';
import { writeReport } from './report.js';
import { readResults, writeFileAtomic } from './results.js';
import { readConfig, type RunConfig } from './run-config.js';
import { formatShard } from './shard.js';
import type { UnitRecord } from './suite.js';

export interface MergeOptions {
  dirs: string[];
  out?: string;
  runId?: string;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `nightly-shard-0-of-4` and `nightly-shard-1-of-4` merge into `nightly`. */
function mergedId(configs: RunConfig[]): string | null {
  const bases = new Set(configs.map((c) => c.runId.replace(/-shard-\d+-of-\d+$/, '')));
  const [only] = bases;
  return bases.size === 1 && configs.every((c) => c.runId !== only) ? only! : null;
}

export interface MergeResult {
  dir: string;
  config: RunConfig;
  records: UnitRecord[];
  missing: string[];
}

/** Validates every input before writing anything; throws UsageError / RunError. */
export async function merge(o: MergeOptions, argv: string[], log: (m: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<MergeResult & { report: Awaited<ReturnType<typeof writeReport>> }> {
  const help = 'pnpm bench merge --help';
  if (o.dirs.length === 0) throw new UsageError('bench merge: give the run directories to merge (e.g. results/kernels/nightly-shard-*)', help);
  const dirs = o.dirs.map((d) => resolve(d));
  for (const d of dirs) if (!existsSync(join(d, 'config.json'))) throw new UsageError(`bench merge: ${d} is not a run directory (no config.json)`, help);
  const configs = dirs.map(readConfig);
  const first = configs[0]!;
  configs.forEach((c, i) => {
    const d = dirs[i]!;
    if (c.name !== first.name) throw new RunError(`bench merge: ${d} is a run of "${c.name}", ${dirs[0]} of "${first.name}"`);
    const keyOf = (x: RunConfig) => ({ mode: x.options.mode, seeds: x.options.seeds, suites: x.suites, backends: x.backends });
    if (!same(keyOf(c), keyOf(first))) {
      throw new RunError(`bench merge: ${d} was run with other options, backends or units than ${dirs[0]} (compare their config.json); only runs of the same command merge`);
    }
  });
  const shards = configs.map((c) => c.options.shard);
  const counts = new Set(shards.map((s) => s?.count ?? 1));
  if (counts.size > 1) log(`note: merging runs with different shard counts (${[...counts].join(', ')})`);
  const seenShards = new Set<string>();
  for (const s of shards) {
    if (!s) continue;
    const k = formatShard(s);
    if (seenShards.has(k)) log(`note: shard ${k} appears twice; each unit is counted once`);
    seenShards.add(k);
  }

  // Union of the records, each unit once, in unit-list order.
  const byKey = new Map<string, UnitRecord>();
  let duplicates = 0;
  dirs.forEach((d) => {
    const r = readResults(join(d, 'results.jsonl'));
    if (r.tornBytes > 0) log(`note: ${d}/results.jsonl ends in a torn line (${r.tornBytes} bytes), discarded`);
    for (const rec of r.records) {
      const key = `${rec.suite}\u0000${rec.unit}`;
      if (byKey.has(key)) duplicates++;
      else byKey.set(key, rec);
    }
  });
  if (duplicates) log(`note: ${duplicates} unit(s) had records in more than one run; kept the first`);
  const records: UnitRecord[] = [];
  const missing: string[] = [];
  for (const s of first.suites) {
    for (const id of s.units) {
      const rec = byKey.get(`${s.name}\u0000${id}`);
      if (rec) records.push(rec);
      else missing.push(`${s.name}/${id}`);
      byKey.delete(`${s.name}\u0000${id}`);
    }
  }
  if (byKey.size) throw new RunError(`bench merge: ${byKey.size} record(s) are for units not in the runs' unit lists (e.g. ${[...byKey.values()][0]!.unit})`);

  const runId = o.runId ?? mergedId(configs) ?? `merged-${basename(dirs[0]!)}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) throw new UsageError(`--run-id: use letters, digits, '.', '_' and '-' only (got "${runId}")`, help);
  const parent = o.out ? join(resolve(o.out), first.name) : dirname(dirs[0]!);
  const dir = join(parent, runId);
  if (existsSync(dir)) throw new UsageError(`bench merge: ${dir} already exists (choose another --run-id or --out)`, help);
  if (dirs.includes(dir)) throw new UsageError(`bench merge: the output ${dir} is one of the inputs`, help);

  const config: RunConfig = {
    ...first,
    runId,
    createdAt: new Date().toISOString(),
    argv,
    options: { ...first.options, shard: null, out: dirname(parent) },
    adapters: first.adapters,
    versions: versions(),
    git: gitInfo(),
    host: hostInfo(),
    mergedFrom: configs.map((c, i) => ({
      dir: dirs[i]!,
      runId: c.runId,
      shard: c.options.shard,
      adapters: c.adapters,
      host: c.host,
      git: c.git,
      createdAt: c.createdAt,
    })),
  };
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileAtomic(join(dir, 'results.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const report = await writeReport(dir, config, records, env);
  return { dir, config, records, missing, report };
}
