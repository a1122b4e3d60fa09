/**
 * Running suites: plan (parse and validate everything, resolve backends and units, find the
 * run to resume) and only then execute (create the run directory, append one record per unit,
 * write the report). A usage mistake never leaves a directory behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { initBackend, memory, type Backend } from '@nonlinear/tensor';
import { defaultOut, gitInfo, hostInfo, versions } from './meta.js';
import {
  camel,
  coerce,
  defaults,
  formatValue,
  kebab,
  optionsHelp,
  parseFlags,
  RunError,
  suggest,
  toJson,
  UsageError,
  type FlagDecl,
} from './options.js';
import { createProgress, type Io, type Progress } from './progress.js';
import { findSuite, registeredSuites, tourSuites } from './registry.js';
import { writeReport, markdownTable } from './report.js';
import { readResults, ResultsWriter, writeFileAtomic } from './results.js';
import { FORMAT, readConfig, type RunConfig } from './run-config.js';
import { formatShard, inShard, parseShard, SHARD_ENV, type Shard } from './shard.js';
import type { AnySuite, BackendName, CommonOptions, Mode, OptionSpec, OptionsSchema, RunContext, Unit, UnitRecord } from './suite.js';

export type BackendChoice = 'webgpu' | 'cpu' | 'auto';

/** Options of the frame, typed like a suite's. */
export const COMMON_SCHEMA = {
  backend: {
    type: 'enum',
    values: ['webgpu', 'cpu', 'auto'],
    default: 'auto',
    description: 'backends to run on: webgpu, cpu, or auto (webgpu where an adapter exists, and cpu)',
  },
  seeds: { type: 'int', min: 1, max: 100000, default: 1, description: 'number of seeds, 0..N-1, for suites with randomness' },
} satisfies OptionsSchema;

const FRAME_FLAGS: FlagDecl[] = [
  { flag: 'quick', kind: 'boolean' },
  { flag: 'full', kind: 'boolean' },
  { flag: 'backend', kind: 'string' },
  { flag: 'seeds', kind: 'string' },
  { flag: 'out', kind: 'string' },
  { flag: 'run-id', kind: 'string' },
  { flag: 'resume', kind: 'boolean' },
  { flag: 'shard', kind: 'string' },
  { flag: 'config', kind: 'string' },
];

export const FRAME_HELP = `Run options (every suite):
  --quick | --full               small sizes and few repetitions, or the real thing
                                 (default: --full for one suite, --quick for all suites)
  --backend <webgpu|cpu|auto>    backends to run on (default auto: webgpu where an adapter
                                 exists, and cpu)
  --seeds <N>                    seeds 0..N-1 for suites with randomness (default 1)
  --out <DIR>                    results root; a run writes DIR/<suite>/<run-id>/
                                 (default: results/ at the repository root)
  --run-id <ID>                  name of the run directory (default: date-time-random);
                                 a shard adds -shard-K-of-N
  --resume                       continue a killed run from its last completed unit: the run
                                 named by --run-id (started if it does not exist yet), else
                                 the latest unfinished one; options come from its config.json
                                 (a different value is an error)
  --shard <K/N|auto/N>           run units whose index mod N == K (0-based); auto reads K from
                                 ${SHARD_ENV.join(' or ')}
  --config <FILE>                JSON with option values (flags win): frame options (mode,
                                 backend, seeds, shard, out, runId), the suite's options, and
                                 "suites": {"<suite>": {...}} for per-suite options
  --help                         this text`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

interface Explicit {
  mode?: Mode;
  backend?: BackendChoice;
  seeds?: number;
  shard?: string;
  out?: string;
  runId?: string;
  /** Suite name to the options set explicitly (flags or config file). */
  suites: Map<string, Record<string, unknown>>;
  /** Where each explicit value came from, for messages: key -> `--reps` or `config.json`. */
  where: Map<string, string>;
}

export interface SuitePlan {
  suite: AnySuite;
  options: Record<string, unknown>;
  units: Unit[];
  selected: Unit[];
}

export interface RunPlan {
  name: string;
  argv: string[];
  mode: Mode;
  backend: BackendChoice;
  seeds: number;
  shard: Shard | null;
  out: string;
  configFile: string | null;
  runId: string;
  runDir: string;
  stored: RunConfig | null;
  suites: SuitePlan[];
  backends: BackendName[];
  adapters: Record<string, string>;
  started: Map<BackendName, Backend>;
}

export function suiteHelp(suite: AnySuite): string {
  return [
    `Usage: pnpm bench ${suite.name} [options]`,
    '',
    `${suite.name}: ${suite.description}`,
    '',
    `Options of ${suite.name} (quick values apply with --quick):`,
    ...optionsHelp(suite.options),
    '',
    FRAME_HELP,
  ].join('\n');
}

export function allHelp(env: NodeJS.ProcessEnv): string {
  return [
    'Usage: pnpm bench [all] [run options]',
    '',
    `Runs every suite (${tourSuites(env)
      .map((s) => s.name)
      .join(', ')}) in quick mode by default, into one run directory and one report.`,
    'Suite options can be set per suite with --config FILE ({"suites": {"kernels": {"reps": 3}}}).',
    '',
    FRAME_HELP,
  ].join('\n');
}

function suiteFlags(suite: AnySuite): FlagDecl[] {
  return Object.entries(suite.options).map(([k, spec]) => ({ flag: kebab(k), kind: spec.type === 'boolean' ? ('boolean' as const) : ('string' as const) }));
}

/** Option key of `suite` for a config-file key given as camelCase or kebab-case. */
function optionKey(suite: AnySuite, key: string): string | undefined {
  if (key in suite.options) return key;
  const c = camel(key);
  return c in suite.options ? c : undefined;
}

function loadConfigFile(path: string, suites: AnySuite[], single: AnySuite | null, explicit: Explicit, help: string, env: NodeJS.ProcessEnv): void {
  if (!existsSync(path)) throw new UsageError(`--config: no such file: ${path}`, help);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${path}: not valid JSON (${(e as Error).message})`, help);
  }
  if (!isRecord(raw)) throw new UsageError(`--config ${path}: expected a JSON object`, help);
  const where = (k: string): string => `${path}: ${k}`;
  const frameKeys = ['mode', 'backend', 'seeds', 'shard', 'out', 'runId', 'suites'];
  for (const [k, v] of Object.entries(raw)) {
    switch (k) {
      case 'mode':
        explicit.mode = coerce({ type: 'enum', values: ['quick', 'full'], default: 'full', description: '' }, v, where(k), help) as Mode;
        explicit.where.set('mode', where(k));
        continue;
      case 'backend':
        explicit.backend = coerce(COMMON_SCHEMA.backend as OptionSpec, v, where(k), help) as BackendChoice;
        explicit.where.set('backend', where(k));
        continue;
      case 'seeds':
        explicit.seeds = coerce(COMMON_SCHEMA.seeds as OptionSpec, v, where(k), help) as number;
        explicit.where.set('seeds', where(k));
        continue;
      case 'shard':
      case 'out':
      case 'runId':
      case 'run-id': {
        if (typeof v !== 'string') throw new UsageError(`${where(k)}: expected a string; got ${JSON.stringify(v)}`, help);
        if (k === 'shard') explicit.shard = v;
        else if (k === 'out') explicit.out = resolve(dirname(path), v);
        else explicit.runId = v;
        explicit.where.set(k === 'run-id' ? 'runId' : k, where(k));
        continue;
      }
      case 'suites': {
        if (!isRecord(v)) throw new UsageError(`${where(k)}: expected an object {"<suite>": {...options}}`, help);
        for (const [name, opts] of Object.entries(v)) {
          const suite = findSuite(name, env);
          if (!suite) {
            const names = registeredSuites(env).map((s) => s.name);
            throw new UsageError(`${where(`suites.${name}`)}: unknown suite. Suites: ${names.join(', ')}`, help);
          }
          if (!isRecord(opts)) throw new UsageError(`${where(`suites.${name}`)}: expected an object of option values`, help);
          if (!suites.includes(suite)) continue; // options for a suite this run does not include
          for (const [ok, ov] of Object.entries(opts)) setSuiteOption(suite, ok, ov, where(`suites.${name}.${ok}`), explicit, help);
        }
        continue;
      }
      default: {
        if (single && optionKey(single, k)) {
          setSuiteOption(single, k, v, where(k), explicit, help);
          continue;
        }
        const allowed = [...frameKeys, ...(single ? Object.keys(single.options) : [])];
        const hint = suggest(k, allowed);
        throw new UsageError(`${where(k)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}. Allowed: ${allowed.join(', ')}`, help);
      }
    }
  }
}

function setSuiteOption(suite: AnySuite, key: string, value: unknown, where: string, explicit: Explicit, help: string): void {
  const k = optionKey(suite, key);
  if (!k) {
    const allowed = Object.keys(suite.options);
    const hint = suggest(key, allowed);
    throw new UsageError(`${where}: ${suite.name} has no option "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}. Options: ${allowed.join(', ') || '(none)'}`, help);
  }
  const coerced = coerce(suite.options[k]!, value, where, help);
  if (!explicit.suites.has(suite.name)) explicit.suites.set(suite.name, {});
  explicit.suites.get(suite.name)![k] = coerced;
  explicit.where.set(`${suite.name}.${k}`, where);
}

function withShardSuffix(id: string, shard: Shard | null): string {
  if (!shard) return id;
  const suffix = `-shard-${shard.index}-of-${shard.count}`;
  return id.endsWith(suffix) ? id : `${id}${suffix}`;
}

export function newRunId(now = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}-${randomBytes(2).toString('hex')}`;
}

function checkRunId(id: string, help: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new UsageError(`--run-id: use letters, digits, '.', '_' and '-' only (got "${id}")`, help);
}

function countRecords(dir: string): number {
  try {
    return readResults(join(dir, 'results.jsonl')).records.length;
  } catch {
    return 0;
  }
}

/** The latest unfinished run of `name` under `root` (matching `shard` when given). */
function latestUnfinished(root: string, shard: Shard | null): string | null {
  if (!existsSync(root)) return null;
  const candidates: { dir: string; createdAt: string }[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    if (!existsSync(join(dir, 'config.json'))) continue;
    let c: RunConfig;
    try {
      c = readConfig(dir);
    } catch {
      continue;
    }
    if (c.mergedFrom) continue;
    if (shard && !same(c.options.shard, shard)) continue;
    const expected = c.suites.reduce((a, s) => a + s.units.filter((_, i) => inShard(i, c.options.shard)).length, 0);
    if (countRecords(dir) < expected) candidates.push({ dir, createdAt: c.createdAt });
  }
  candidates.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  return candidates[0]?.dir ?? null;
}

/** Starts the backends a choice stands for, on this machine. Fails before anything is written. */
async function resolveBackends(choice: BackendChoice, log: (m: string) => void): Promise<Map<BackendName, Backend>> {
  const started = new Map<BackendName, Backend>();
  if (choice !== 'cpu') {
    try {
      started.set('webgpu', await initBackend('webgpu'));
    } catch (e) {
      if (choice === 'webgpu') throw new RunError(`--backend webgpu: ${(e as Error).message}`);
      log(`no WebGPU adapter (${(e as Error).message.split('. ')[0]}); running on cpu only`);
    }
  }
  if (choice !== 'webgpu') started.set('cpu', await initBackend('cpu'));
  return started;
}

export type Planned = { help: string } | { plan: RunPlan };

/**
 * Parses and validates a run command (`name` is a suite or `all`), finds the run to resume,
 * starts the backends and lists the units. Throws UsageError or RunError; writes nothing.
 */
export async function planRun(name: string, args: readonly string[], argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv, log: (m: string) => void): Promise<Planned> {
  const all = name === 'all';
  const single = all ? null : findSuite(name, env)!;
  const suites = all ? tourSuites(env) : [single!];
  const help = `pnpm bench ${all ? '' : `${name} `}--help`;
  const command = `bench ${name}`;
  const decls = [...FRAME_FLAGS, ...(single ? suiteFlags(single) : [])];
  const parsed = parseFlags(args, decls, command, help);
  if (parsed.help) return { help: single ? suiteHelp(single) : allHelp(env) };
  if (parsed.positionals.length) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[0]}" (options start with --)`, help);
  }
  const v = parsed.values;
  if (v.get('quick') === true && v.get('full') === true) throw new UsageError(`${command}: --quick and --full exclude each other`, help);

  const explicit: Explicit = { suites: new Map(), where: new Map() };
  const configFile = typeof v.get('config') === 'string' ? resolve(cwd, v.get('config') as string) : null;
  if (configFile) loadConfigFile(configFile, suites, single, explicit, help, env);
  if (v.get('quick') === true || v.get('full') === true) {
    explicit.mode = v.get('quick') === true ? 'quick' : 'full';
    explicit.where.set('mode', `--${explicit.mode}`);
  }
  if (v.get('quick') === false || v.get('full') === false) throw new UsageError(`${command}: use --quick or --full (not --no-quick / --no-full)`, help);
  if (v.has('backend')) {
    explicit.backend = coerce(COMMON_SCHEMA.backend as OptionSpec, v.get('backend'), '--backend', help) as BackendChoice;
    explicit.where.set('backend', '--backend');
  }
  if (v.has('seeds')) {
    explicit.seeds = coerce(COMMON_SCHEMA.seeds as OptionSpec, v.get('seeds'), '--seeds', help) as number;
    explicit.where.set('seeds', '--seeds');
  }
  for (const key of ['shard', 'out', 'run-id'] as const) {
    if (!v.has(key)) continue;
    const text = v.get(key) as string;
    if (key === 'shard') explicit.shard = text;
    else if (key === 'out') explicit.out = resolve(cwd, text);
    else explicit.runId = text;
    explicit.where.set(key === 'run-id' ? 'runId' : key, `--${key}`);
  }
  if (single) {
    for (const [k, spec] of Object.entries(single.options)) {
      const flag = kebab(k);
      if (!v.has(flag)) continue;
      const coerced = coerce(spec, v.get(flag), `--${flag}`, help);
      if (!explicit.suites.has(single.name)) explicit.suites.set(single.name, {});
      explicit.suites.get(single.name)![k] = coerced;
      explicit.where.set(`${single.name}.${k}`, `--${flag}`);
    }
  }
  const shardExplicit = explicit.shard !== undefined ? parseShard(explicit.shard, env, help) : undefined;
  if (explicit.runId !== undefined) checkRunId(explicit.runId, help);
  const out = explicit.out ?? defaultOut();

  // --- resume: find the run, and take its options as the base ---
  const resume = v.get('resume') === true;
  let stored: RunConfig | null = null;
  let runDir: string;
  let runId: string;
  if (resume) {
    const root = join(out, name);
    let dir: string | null;
    if (explicit.runId !== undefined) {
      dir = join(root, withShardSuffix(explicit.runId, shardExplicit ?? null));
      if (!existsSync(join(dir, 'config.json')) && existsSync(join(root, explicit.runId, 'config.json'))) dir = join(root, explicit.runId);
      if (!existsSync(join(dir, 'config.json'))) {
        // A named run that does not exist yet is started, so one command serves a job's first
        // start and its restarts.
        if (existsSync(dir)) throw new UsageError(`--resume: ${dir} exists but has no config.json (not a run directory)`, help);
        log(`--resume: no run ${basename(dir)} of ${name} yet; starting it`);
        dir = null;
      }
    } else {
      dir = latestUnfinished(root, shardExplicit ?? null);
      if (!dir) throw new UsageError(`--resume: no unfinished run of ${name} under ${root} (name one with --run-id)`, help);
    }
    if (dir) {
      stored = readConfig(dir);
      if (stored.name !== name) throw new UsageError(`--resume: ${dir} is a run of "${stored.name}", not "${name}"`, help);
      if (stored.mergedFrom) throw new UsageError(`--resume: ${dir} is a merged run; resume the shard runs instead`, help);
      runDir = dir;
      runId = stored.runId;
    }
  }

  const mode: Mode = explicit.mode ?? stored?.options.mode ?? (all ? 'quick' : 'full');
  const backend: BackendChoice = explicit.backend ?? stored?.options.backend ?? 'auto';
  const seeds = explicit.seeds ?? stored?.options.seeds ?? 1;
  const shard: Shard | null = shardExplicit ?? stored?.options.shard ?? null;
  const suiteValues = new Map<string, Record<string, unknown>>();
  for (const s of suites) {
    const storedOpts = stored?.suites.find((x) => x.name === s.name)?.options ?? {};
    suiteValues.set(s.name, { ...defaults(s.options, mode), ...storedOpts, ...(explicit.suites.get(s.name) ?? {}) });
  }

  if (stored) {
    const conflicts: string[] = [];
    const check = (key: string, now: unknown, before: unknown): void => {
      if (explicit.where.has(key) && !same(now, before)) conflicts.push(`${explicit.where.get(key)}: the run has ${formatValue(before)}, this command says ${formatValue(now)}`);
    };
    check('mode', mode, stored.options.mode);
    check('backend', backend, stored.options.backend);
    check('seeds', seeds, stored.options.seeds);
    check('shard', shard ? formatShard(shard) : null, stored.options.shard ? formatShard(stored.options.shard) : null);
    for (const s of suites) {
      const before = stored.suites.find((x) => x.name === s.name)?.options ?? {};
      for (const k of Object.keys(s.options)) check(`${s.name}.${k}`, suiteValues.get(s.name)![k], before[k]);
    }
    if (conflicts.length) {
      throw new UsageError(`--resume: options differ from the run's config.json:\n  ${conflicts.join('\n  ')}\nResume with the run's options (or none), or start a new run.`, help);
    }
  } else {
    runId = withShardSuffix(explicit.runId ?? newRunId(), shard);
    runDir = join(out, name, runId);
    if (existsSync(runDir)) throw new UsageError(`${runDir} already exists: continue it with --resume, or pick another --run-id`, help);
  }

  // --- backends, then units (both before anything is written) ---
  const usesBackends = suites.some((s) => s.usesBackends !== false);
  const started = usesBackends ? await resolveBackends(backend, log) : new Map<BackendName, Backend>();
  const backends = [...started.keys()];
  if (stored && !same(backends, stored.backends)) {
    throw new RunError(`--resume: the run used backends ${stored.backends.join(', ')}, but this machine gives ${backends.join(', ') || 'none'} for --backend ${backend}`);
  }
  const adapters: Record<string, string> = {};
  for (const [n, b] of started) adapters[n] = b.description;
  const common: CommonOptions = { mode, backends, seeds };
  const plans: SuitePlan[] = suites.map((suite) => {
    const options = suiteValues.get(suite.name)!;
    const units = suite.units(options as never, common);
    const ids = new Set<string>();
    for (const u of units) {
      if (ids.has(u.id)) throw new RunError(`suite ${suite.name} lists the unit "${u.id}" twice (a bug in the suite)`);
      ids.add(u.id);
    }
    const before = stored?.suites.find((x) => x.name === suite.name);
    if (stored && (!before || !same(before.units, units.map((u) => u.id)))) {
      throw new RunError(`--resume: the unit list of ${suite.name} is not the one the run started with (was the bench changed since?); start a new run`);
    }
    return { suite, options, units, selected: units.filter((_, i) => inShard(i, shard)) };
  });

  return {
    plan: {
      name,
      argv: [...argv],
      mode,
      backend,
      seeds,
      shard,
      out,
      configFile,
      runId: runId!,
      runDir: runDir!,
      stored,
      suites: plans,
      backends,
      adapters,
      started,
    },
  };
}

function newConfig(plan: RunPlan): RunConfig {
  return {
    format: FORMAT,
    runId: plan.runId,
    name: plan.name,
    createdAt: new Date().toISOString(),
    argv: plan.argv,
    options: { mode: plan.mode, backend: plan.backend, seeds: plan.seeds, shard: plan.shard, out: plan.out, config: plan.configFile },
    suites: plan.suites.map((s) => ({ name: s.suite.name, options: toJson(s.options), units: s.units.map((u) => u.id) })),
    backends: plan.backends,
    adapters: plan.adapters,
    versions: versions(),
    git: gitInfo(),
    host: hostInfo(),
  };
}

export function printSummary(write: (s: string) => void, reports: Awaited<ReturnType<typeof writeReport>>['suites']): void {
  for (const r of reports) {
    for (const t of r.summary.tables) {
      write(`\n${r.suite.name}: ${t.title}\n\n${markdownTable(t)}\n`);
      if (t.caption) write(`${t.caption}\n`);
    }
  }
}

/** Executes a plan: creates (or reopens) the run directory, runs the pending units, reports. */
export async function executeRun(plan: RunPlan, io: Io, env: NodeJS.ProcessEnv): Promise<void> {
  const write = io.out;
  const resuming = plan.stored !== null;
  write(`bench ${plan.name} (${plan.mode}${plan.shard ? `, shard ${formatShard(plan.shard)}` : ''}) -> ${plan.runDir}${resuming ? ' (resuming)' : ''}\n`);
  for (const b of plan.backends) write(`  ${b}: ${plan.adapters[b]}\n`);

  let config: RunConfig;
  if (plan.stored) {
    config = plan.stored;
  } else {
    mkdirSync(plan.runDir, { recursive: true });
    config = newConfig(plan);
    writeFileAtomic(join(plan.runDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  const jsonl = join(plan.runDir, 'results.jsonl');
  const existing = readResults(jsonl);
  if (existing.tornBytes > 0) write(`results.jsonl: discarded a torn last line (${existing.tornBytes} bytes) left by a killed run\n`);
  if (existing.duplicates > 0) write(`results.jsonl: ignored ${existing.duplicates} duplicate line(s)\n`);
  const selected = new Set(plan.suites.flatMap((s) => s.selected.map((u) => `${s.suite.name}\u0000${u.id}`)));
  for (const r of existing.records) {
    if (!selected.has(`${r.suite}\u0000${r.unit}`)) throw new RunError(`${jsonl}: a record for ${r.suite}/${r.unit}, which is not a unit of this run`);
  }
  const done = new Set(existing.records.map((r) => `${r.suite}\u0000${r.unit}`));
  const records: UnitRecord[] = [...existing.records];
  const writer = new ResultsWriter(jsonl, existing.validBytes);
  const total = selected.size;
  const progress: Progress = createProgress(io, env);
  progress.start(total, done.size);
  const started = plan.started;
  const backendOf = async (name: BackendName): Promise<Backend> => {
    let b = started.get(name);
    if (!b) {
      b = await initBackend(name);
      started.set(name, b);
    }
    return b;
  };
  try {
    for (const sp of plan.suites) {
      const ctx: RunContext = { options: sp.options, backend: backendOf, log: (m) => progress.log(m), common: { mode: plan.mode, backends: plan.backends, seeds: plan.seeds }, runDir: plan.runDir };
      for (const unit of sp.selected) {
        if (done.has(`${sp.suite.name}\u0000${unit.id}`)) continue;
        const live = sp.suite.usesBackends !== false ? memory().liveTensors : 0;
        const t0 = performance.now();
        let data;
        try {
          data = await sp.suite.run(unit, ctx as never);
        } catch (e) {
          const saved = records.length;
          const hint = ['pnpm bench', plan.name, '--resume', '--run-id', plan.runId, ...(plan.out !== defaultOut() ? ['--out', plan.out] : [])].join(' ');
          throw new RunError(`${sp.suite.name} unit ${unit.id} failed: ${(e as Error).stack ?? String(e)}\n${saved} of ${total} units are saved in ${plan.runDir}; continue with: ${hint}`);
        }
        const elapsedMs = performance.now() - t0;
        const record: UnitRecord = { suite: sp.suite.name, unit: unit.id, params: unit.params, data, elapsedMs: Math.round(elapsedMs * 1000) / 1000, finishedAt: new Date().toISOString() };
        writer.append(record);
        records.push(record);
        progress.step(`${sp.suite.name} ${unit.id}`, sp.suite.brief ? sp.suite.brief(data, unit) : '', elapsedMs);
        if (sp.suite.usesBackends !== false) {
          const leaked = memory().liveTensors - live;
          if (leaked > 0) progress.log(`warning: ${sp.suite.name} unit ${unit.id} left ${leaked} live tensor(s)`);
        }
      }
    }
  } finally {
    progress.stop();
    writer.close();
  }
  const report = await writeReport(plan.runDir, config, records, env);
  printSummary(write, report.suites);
  write(`\nwrote ${plan.runDir}/\n  config.json results.jsonl ${report.files.join(' ')}\n`);
}
