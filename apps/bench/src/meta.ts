/** What a report needs to say about where it ran: versions, git commit, host, paths. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/bench (the folder holding this package's package.json). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The monorepo root (where pnpm-workspace.yaml is), or null when installed elsewhere. */
export function repoRoot(): string | null {
  let dir = BENCH_DIR;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The directory relative paths on the command line are taken from: the shell's directory.
 * `pnpm bench` runs the script in apps/bench; pnpm passes the caller's directory as INIT_CWD.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_lifecycle_event === 'bench' && env.INIT_CWD ? env.INIT_CWD : process.cwd();
}

/** `results/` at the repository root (or in the current directory outside the repo). */
export function defaultOut(): string {
  return join(repoRoot() ?? process.cwd(), 'results');
}

function packageJsonAbove(file: string, name: string): { version?: string } | null {
  let dir = dirname(file);
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg;
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function versionOf(name: string): string | null {
  try {
    return packageJsonAbove(fileURLToPath(import.meta.resolve(name)), name)?.version ?? null;
  } catch {
    return null;
  }
}

/** A dependency of @nonlinear/tensor (not of the bench), e.g. Dawn's `webgpu`. */
function tensorDependencyVersion(name: string): string | null {
  try {
    const tensorEntry = fileURLToPath(import.meta.resolve('@nonlinear/tensor'));
    let dir = dirname(tensorEntry);
    for (;;) {
      const p = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(p)) return (JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version ?? null;
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  } catch {
    return null;
  }
}

export function versions(): Record<string, string | null> {
  const self = JSON.parse(readFileSync(join(BENCH_DIR, 'package.json'), 'utf8')) as { version: string };
  return {
    '@nonlinear/bench': self.version,
    '@nonlinear/tensor': versionOf('@nonlinear/tensor'),
    webgpu: tensorDependencyVersion('webgpu'),
    vega: versionOf('vega'),
    'vega-lite': versionOf('vega-lite'),
    node: process.version,
  };
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

export interface GitInfo {
  commit: string | null;
  /** Uncommitted changes in the working tree at run time (null when unknown). */
  dirty: boolean | null;
}

export function gitInfo(): GitInfo {
  const cwd = repoRoot() ?? BENCH_DIR;
  const commit = git(['rev-parse', 'HEAD'], cwd);
  if (commit === null) return { commit: null, dirty: null };
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  return { commit, dirty: status === null ? null : status.length > 0 };
}

export function hostInfo(): { platform: string; arch: string; cpus: number; cpuModel: string; memoryGiB: number } {
  const c = cpus();
  return {
    platform: process.platform,
    arch: process.arch,
    cpus: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}
