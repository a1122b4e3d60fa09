import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listTree, runCli, runMain, tempDir, testEnv } from './test-util/cli.js';

/**
 * The command line: help on every command, `list`, and validation. A bad suite, flag or value
 * exits 2 with a message naming what is allowed, and writes nothing (the --out directory stays
 * empty: validation happens before any directory is created). Most cases call main() in this
 * process; a few run the real CLI to check the process exit code and streams.
 */

describe('help and list', () => {
  test.concurrent.each([['--help'], ['kernels', '--help'], ['tour', '-h'], ['list', '--help'], ['report', '--help'], ['merge', '--help'], ['all', '--help'], ['help']])(
    '%s %s prints usage',
    async (...args) => {
      const r = await runMain(args.filter((a): a is string => typeof a === 'string'));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: pnpm bench/);
    },
  );

  test('suite help lists typed options with defaults and allowed values', async () => {
    const r = await runMain(['kernels', '--help']);
    expect(r.stdout).toContain('--matmul-sizes <int[]>');
    expect(r.stdout).toContain('default 256,512,1024,2048, quick 256,512,1024');
    expect(r.stdout).toContain('comma-separated subset of autotune, matmul, matvec, splitk, elementwise, overhead, softmax, layernorm, fusion; default matmul,matvec,splitk,elementwise,overhead,softmax,layernorm,fusion');
    expect(r.stdout).toContain('comma-separated subset of tfjs-webgpu, torch-cuda, tfjs-wasm, tfjs-cpu, ort-cpu, torch-cpu, none');
    expect(r.stdout).toContain('--shard <K/N|auto/N>');
  });

  test('list names every suite with its description and flags', async () => {
    const r = await runCli(['list'], testEnv({ NONLINEAR_BENCH_TEST_SUITES: '0' }));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}tour {9}the adapter of each backend/m);
    expect(r.stdout).toMatch(/^ {2}kernels {6}matmul GFLOP\/s/m);
    expect(r.stdout).toMatch(/^ {2}activations {2}PolyCom: fused vs unfused/m);
    expect(r.stdout).toContain('options: --ops --matmul-sizes --matvec --splitk --transformer --elementwise-size --chain --softmax --layernorm --fusion-size --peers --slow-matmul-max --tfjs-cpu-forward --reps --warmup');
    expect(r.stdout).toContain('pnpm bench (no command) runs: tour, kernels, activations');
    expect(r.stdout).not.toContain('sleep');
    const withTest = await runMain(['list']);
    expect(withTest.stdout).toMatch(/sleep .*\[test-only\]/);
    expect(withTest.stdout).toContain('pnpm bench (no command) runs: tour, kernels');
  });
});

describe.concurrent('validation: exit 2, a clear message, nothing written', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown suite', ['kernel'], /unknown suite or command "kernel" \(did you mean "kernels"\?\)\. Suites: tour, kernels, activations, (?:[a-z-]+, )*sleep\. Commands: all, list, report, merge, help/],
    ['unknown flag', ['kernels', '--repz', '3'], /kernels: unknown option --repz \(did you mean --reps\?\)\. Allowed: --quick, --full, --backend/],
    ['flag of another suite', ['tour', '--chain', '3'], /tour: unknown option --chain/],
    ['unknown flag for all suites', ['--reps', '3'], /all: unknown option --reps/],
    ['bad backend', ['kernels', '--backend', 'gpu'], /--backend: expected one of webgpu, cpu, auto; got "gpu"/],
    ['bad list entry', ['kernels', '--ops', 'matmul,fft'], /--ops: "fft" is not one of autotune, matmul, matvec, splitk, elementwise, overhead, softmax/],
    ['int below min', ['kernels', '--reps', '0'], /--reps: expected integer in \[1, 10000\]; got "0"/],
    ['not an int', ['kernels', '--reps', '2.5'], /--reps: expected integer in \[1, 10000\]; got "2.5"/],
    ['wrong shape length', ['kernels', '--transformer', '1,2'], /--transformer: expected comma-separated 3 integers in \[1, 65536\]; got "1,2"/],
    ['missing value', ['kernels', '--reps'], /--reps needs a value/],
    ['value swallowing a flag', ['kernels', '--reps', '--quick'], /--reps needs a value/],
    ['quick and full', ['sleep', '--quick', '--full'], /--quick and --full exclude each other/],
    ['bad enum in test suite', ['sleep', '--curve', 'cubic'], /--curve: expected one of power, flat; got "cubic"/],
    ['bad seeds', ['sleep', '--seeds', '0'], /--seeds: expected integer in \[1, 100000\]/],
    ['shard out of range', ['sleep', '--shard', '3/3'], /--shard 3\/3: K must be in 0..2 \(0-based\)/],
    ['shard syntax', ['sleep', '--shard', 'half'], /--shard: expected K\/N \(e\.g\. 0\/4\) or auto\/N; got "half"/],
    ['shard auto without env', ['sleep', '--shard', 'auto/4'], /neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set/],
    ['positional', ['sleep', 'extra'], /unexpected argument "extra"/],
    ['resume with nothing to resume', ['sleep', '--resume'], /no unfinished run of sleep under/],
    ['bad run id', ['sleep', '--run-id', '../x'], /--run-id: use letters, digits/],
    ['missing config file', ['sleep', '--config', '/nonexistent/bench.json'], /--config: no such file/],
    ['report without a dir', ['report'], /give exactly one run directory/],
    ['merge without dirs', ['merge'], /give the run directories to merge/],
    ['unknown flag of list', ['list', '--json'], /list: unknown option --json/],
  ];
  test.each(cases)('%s', async (_name, args, message) => {
    const out = tempDir();
    const withOut = ['report', 'merge', 'list'].includes(args[0]!) ? args : [...args, '--out', out];
    const r = await runMain(withOut);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/See: pnpm bench .*--help/);
    expect(r.code).toBe(2);
    expect(listTree(out)).toEqual([]);
  });

  test.each([
    ['unknown suite', ['nosuchsuite'], /unknown suite or command "nosuchsuite"\. Suites: tour, kernels, activations, (?:[a-z-]+, )*sleep/],
    ['unknown flag', ['kernels', '--bogus'], /kernels: unknown option --bogus\./],
    ['bad value', ['tour', '--backend=metal'], /--backend: expected one of webgpu, cpu, auto; got "metal"/],
  ] as [string, string[], RegExp][])('the real process: %s exits 2 with the message on stderr', async (_name, args, message) => {
    const out = tempDir();
    const r = await runCli([...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(listTree(out)).toEqual([]);
  });

  test('shard auto/N takes K from the environment, and checks it', async () => {
    const out = tempDir();
    const r = await runMain(['sleep', '--shard', 'auto/2', '--out', out], testEnv({ SLURM_ARRAY_TASK_ID: '2' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SLURM_ARRAY_TASK_ID=2 is not below 2 (shard indices are 0-based; for Slurm use --array=0-1)');
    expect(listTree(out)).toEqual([]);
  });

  test('config files are validated like flags', async () => {
    const out = tempDir();
    const file = join(out, 'bad.json');
    writeFileSync(file, JSON.stringify({ steps: 3, msec: 1 }));
    const r = await runMain(['sleep', '--config', file, '--out', join(out, 'results')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: msec: unknown key \(did you mean "ms"\?\)\. Allowed: mode, backend, seeds, shard, out, runId, suites, steps, ms, curve/);
    writeFileSync(file, JSON.stringify({ suites: { sleep: { steps: 'many' } } }));
    const r2 = await runMain(['sleep', '--config', file, '--out', join(out, 'results')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/suites\.sleep\.steps: expected integer in \[1, 100000\]; got "many"/);
    expect(listTree(out)).toEqual(['bad.json']);
  });

  test('a config file sets options; flags win over it', async () => {
    const dir = tempDir();
    const file = join(dir, 'bench.json');
    writeFileSync(file, JSON.stringify({ steps: 2, ms: 0, runId: 'cfg', out: 'results', suites: { sleep: { curve: 'flat' } } }));
    const r = await runMain(['sleep', '--config', file, '--steps', '3']);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'results', 'sleep', 'cfg', 'config.json'), 'utf8'));
    expect(config.suites[0].options).toEqual({ steps: 3, ms: 0, curve: 'flat', plots: false });
    expect(config.options.config).toBe(file);
  });
});
