/** Command dispatch: run a suite or all suites, list, report, merge; help and exit codes. */
import { join } from 'node:path';
import { merge } from './merge.js';
import { userCwd } from './meta.js';
import { kebab, parseFlags, RunError, suggest, UsageError } from './options.js';
import { registeredSuites, tourSuites, findSuite } from './registry.js';
import { writeReport } from './report.js';
import { readResults } from './results.js';
import { readConfig } from './run-config.js';
import { executeRun, FRAME_HELP, planRun, printSummary } from './run.js';
import { resolve } from 'node:path';
import { processIo, type Io } from './progress.js';

const COMMANDS = ['all', 'list', 'report', 'merge', 'help'];

export function usage(env: NodeJS.ProcessEnv = process.env): string {
  const suites = registeredSuites(env);
  const width = Math.max(...suites.map((s) => s.name.length), 12);
  return [
    'Usage: pnpm bench [command] [options]',
    '',
    'Commands:',
    `  ${'(none)'.padEnd(width)}  the quick tour: quick mode of every suite, one run, one report`,
    `  ${'all'.padEnd(width)}  every suite (quick unless --full)`,
    ...suites.map((s) => `  ${s.name.padEnd(width)}  ${s.description}${s.hidden ? ' [test-only]' : ''}`),
    `  ${'list'.padEnd(width)}  the suites and their options`,
    `  ${'report DIR'.padEnd(width)}  rewrite summary.csv, report.md and figures of a run directory`,
    `  ${'merge DIR...'.padEnd(width)}  combine shard runs into one run directory and report`,
    '',
    FRAME_HELP,
    '',
    'A suite\'s own options: pnpm bench <suite> --help. Exit codes: 0 done, 1 failed while',
    'running (records so far are kept; --resume continues), 2 bad command line (nothing written).',
  ].join('\n');
}

const LIST_HELP = `Usage: pnpm bench list

Lists the registered suites with their descriptions and option flags.`;

const REPORT_HELP = `Usage: pnpm bench report DIR

Rewrites summary.csv, report.md and the figures (<suite>-<name>.svg and .vl.json) of the run
directory DIR from its config.json and results.jsonl, without measuring anything. Works on a
partial run (the report says how many units it covers).`;

const MERGE_HELP = `Usage: pnpm bench merge DIR... [--out DIR] [--run-id ID]

Combines the run directories of the shards of one command (same suite, options and backends)
into one run directory with one results.jsonl (each unit once, in unit order) and one report.

  --out <DIR>      results root for the merged run: DIR/<suite>/<run-id>/ (default: next to
                   the first input)
  --run-id <ID>    name of the merged run (default: the shards' common name without
                   -shard-K-of-N, e.g. nightly-shard-0-of-4 ... -> nightly)
  --help           this text`;

function list(args: string[], env: NodeJS.ProcessEnv, out: (s: string) => void): number {
  const p = parseFlags(args, [], 'bench list', 'pnpm bench list --help');
  if (p.help) {
    out(LIST_HELP);
    return 0;
  }
  if (p.positionals.length) throw new UsageError(`bench list: unexpected argument "${p.positionals[0]}"`, 'pnpm bench list --help');
  const suites = registeredSuites(env);
  const width = Math.max(...suites.map((s) => s.name.length));
  const lines = ['Suites (pnpm bench <suite> --help for details):', ''];
  for (const s of suites) {
    lines.push(`  ${s.name.padEnd(width)}  ${s.description}${s.hidden ? ' [test-only]' : ''}`);
    const flags = Object.keys(s.options).map((k) => `--${kebab(k)}`);
    lines.push(`  ${''.padEnd(width)}  options: ${flags.join(' ') || '(none)'}`);
  }
  lines.push('', `pnpm bench (no command) runs: ${tourSuites(env).map((s) => s.name).join(', ')}`);
  out(lines.join('\n'));
  return 0;
}

async function reportCmd(args: string[], cwd: string, env: NodeJS.ProcessEnv, out: (s: string) => void): Promise<number> {
  const help = 'pnpm bench report --help';
  const p = parseFlags(args, [], 'bench report', help);
  if (p.help) {
    out(REPORT_HELP);
    return 0;
  }
  if (p.positionals.length !== 1) throw new UsageError(`bench report: give exactly one run directory (got ${p.positionals.length})`, help);
  const dir = resolve(cwd, p.positionals[0]!);
  const config = readConfig(dir);
  const r = readResults(join(dir, 'results.jsonl'));
  if (r.tornBytes) out(`results.jsonl: ignoring a torn last line (${r.tornBytes} bytes)`);
  const report = await writeReport(dir, config, r.records, env);
  printSummary(out, report.suites);
  out(`\nwrote ${dir}/\n  ${report.files.join(' ')}`);
  return 0;
}

async function mergeCmd(args: string[], argv: string[], cwd: string, out: (s: string) => void, env: NodeJS.ProcessEnv): Promise<number> {
  const help = 'pnpm bench merge --help';
  const p = parseFlags(args, [{ flag: 'out', kind: 'string' }, { flag: 'run-id', kind: 'string' }], 'bench merge', help);
  if (p.help) {
    out(MERGE_HELP);
    return 0;
  }
  const res = await merge(
    {
      dirs: p.positionals.map((d) => resolve(cwd, d)),
      out: p.values.has('out') ? resolve(cwd, p.values.get('out') as string) : undefined,
      runId: p.values.get('run-id') as string | undefined,
    },
    argv,
    out,
    env,
  );
  printSummary(out, res.report.suites);
  if (res.missing.length) out(`\nwarning: ${res.missing.length} unit(s) have no record in any input (e.g. ${res.missing[0]}); the report is partial`);
  out(`\nmerged ${res.records.length} records from ${p.positionals.length} run(s) into ${res.dir}/\n  config.json results.jsonl ${res.report.files.join(' ')}`);
  return 0;
}

async function runCmd(name: string, args: string[], argv: string[], cwd: string, env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const planned = await planRun(name, args, argv, cwd, env, (m) => io.err(`${m}\n`));
  if ('help' in planned) {
    io.out(`${name === 'all' ? usage(env) : planned.help}\n`);
    return 0;
  }
  await executeRun(planned.plan, io, env);
  return 0;
}

/** Runs the command line; returns the exit code (0 done, 1 failed while running, 2 usage). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  const cwd = userCwd(env);
  const out = (s: string): void => io.out(s.endsWith('\n') ? s : `${s}\n`);
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first.startsWith('-')) return await runCmd('all', argv, argv, cwd, env, io);
    switch (first) {
      case 'help':
        out(usage(env));
        return 0;
      case 'list':
        return list(rest, env, out);
      case 'report':
        return await reportCmd(rest, cwd, env, out);
      case 'merge':
        return await mergeCmd(rest, argv, cwd, out, env);
      case 'all':
        return await runCmd('all', rest, argv, cwd, env, io);
      default: {
        if (findSuite(first, env)) return await runCmd(first, rest, argv, cwd, env, io);
        const names = registeredSuites(env).map((s) => s.name);
        const hint = suggest(first, [...names, ...COMMANDS]);
        throw new UsageError(`unknown suite or command "${first}"${hint ? ` (did you mean "${hint}"?)` : ''}. Suites: ${names.join(', ')}. Commands: ${COMMANDS.join(', ')}`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`bench: ${e.message.replace(/^bench /, '')}\nSee: ${e.helpCommand}\n`);
      return 2;
    }
    if (e instanceof RunError) {
      io.err(`bench: ${e.message}\n`);
      return 1;
    }
    io.err(`bench: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
