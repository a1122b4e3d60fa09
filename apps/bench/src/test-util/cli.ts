/** Running the built CLI in a child process, for tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UnitRecord } from '../suite.js';

export const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(BENCH, 'dist', 'cli.js');

/** The environment of a CLI under test: test suites on, plain progress lines, no pnpm cwd. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NONLINEAR_BENCH_TEST_SUITES: '1', CI: '1', ...extra };
  delete env.INIT_CWD;
  delete env.npm_lifecycle_event;
  delete env.JOB_COMPLETION_INDEX;
  delete env.SLURM_ARRAY_TASK_ID;
  Object.assign(env, extra);
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env = testEnv()): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd: BENCH, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], env = testEnv()): Promise<CliResult> {
  return startCli(args, env).done;
}

/** A fresh folder inside the test run's temporary folder (removed after the tests). */
export function tempDir(prefix = 'bench-test-'): string {
  return mkdtempSync(join(process.env.NONLINEAR_BENCH_TEST_TMP ?? tmpdir(), prefix));
}

/** Everything under `dir`, as relative paths (for "nothing was written"). */
export function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }) as string[];
}

export function readRecords(runDir: string): UnitRecord[] {
  return readFileSync(join(runDir, 'results.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as UnitRecord);
}

/** What a record measured, without when it ran or how long it took. */
export function essence(records: UnitRecord[]): { suite: string; unit: string; params: unknown; data: unknown }[] {
  return records.map((r) => ({ suite: r.suite, unit: r.unit, params: r.params, data: r.data }));
}

/** Runs the command line in this process (fast: no node start-up), capturing its output. */
export async function runMain(args: string[], env = testEnv()): Promise<CliResult> {
  const { main } = await import('../main.js');
  let stdout = '';
  let stderr = '';
  const code = await main(args, env, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), tty: null });
  return { code, signal: null, stdout, stderr };
}
