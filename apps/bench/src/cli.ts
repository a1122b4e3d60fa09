#!/usr/bin/env node
import { runTour } from './tour.js';

/**
 * The nonlinear command line. For now it has one job, the quick tour: it prints the adapter
 * and times a matmul and an activation on each backend. Suites plug in here as they land.
 */
const USAGE = `Usage: pnpm bench [tour] [--backend webgpu|cpu|auto] [--reps N]

  tour        (default) print the adapter, time a matmul and an activation on it
  --backend   which backends to run: webgpu, cpu, or auto (both where webgpu exists; default)
  --reps N    timed repetitions per measurement after warm-up (default 10)
  --help      this text`;

function parse(argv: string[]): { backend: 'webgpu' | 'cpu' | 'auto'; reps: number } {
  let backend: 'webgpu' | 'cpu' | 'auto' = 'auto';
  let reps = 10;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (a === 'tour') {
      continue;
    } else if (a === '--backend') {
      const v = argv[++i];
      if (v !== 'webgpu' && v !== 'cpu' && v !== 'auto') fail(`--backend: expected webgpu, cpu or auto, got ${v ?? 'nothing'}`);
      backend = v;
    } else if (a === '--reps') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) fail(`--reps: expected a positive integer, got ${argv[i] ?? 'nothing'}`);
      reps = v;
    } else {
      fail(`unknown argument '${a}' (the only command so far is 'tour')`);
    }
  }
  return { backend, reps };
}

function fail(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const options = parse(process.argv.slice(2));
runTour(options).catch((e: unknown) => {
  console.error(`bench: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
