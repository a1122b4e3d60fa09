/** Builds dist/ before the tests when any source file is newer than dist/cli.js. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Also makes one temporary folder for every test's run directories, removed at the end. */
export default function setup(): () => void {
  const cli = join(BENCH, 'dist', 'cli.js');
  if (!existsSync(cli) || statSync(cli).mtimeMs < newestSource(join(BENCH, 'src'))) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(BENCH, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'nonlinear-bench-tests-'));
  process.env.NONLINEAR_BENCH_TEST_TMP = tmp;
  return () => rmSync(tmp, { recursive: true, force: true });
}
