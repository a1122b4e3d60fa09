import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { barErrors, lineBand, logLogScatter, renderSvg } from './figures.js';
import { fitPowerLaw, median, quantile, std } from './stats.js';
import { summarizeKernels } from './suites/kernels.js';
import type { UnitRecord } from './suite.js';
import { runCli, tempDir } from './test-util/cli.js';

/** Parses an SVG strictly: well-formed XML whose root is <svg> with a size and drawn marks. */
function checkSvg(svg: string): void {
  const valid = XMLValidator.validate(svg);
  expect(valid, JSON.stringify(valid)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg?: Record<string, unknown> };
  expect(doc.svg).toBeDefined();
  expect(Number(doc.svg!['@_width'])).toBeGreaterThan(100);
  expect(Number(doc.svg!['@_height'])).toBeGreaterThan(100);
  expect(svg).toMatch(/<path [^>]*d="M/);
}

describe('figures', () => {
  test('line with a seed band, log-log scatter with a fit, bars with error bars: each renders to a well-formed SVG', async () => {
    const band = lineBand(
      [0, 1, 2].flatMap((seed) => [1, 2, 3, 4].map((x) => ({ x, y: 1 / x + 0.01 * seed, seed, series: 'a' }))),
      { title: 'loss', xTitle: 'step', yTitle: 'loss' },
    );
    const { spec: scatter, fits } = logLogScatter(
      [1, 10, 100, 1000].map((x) => ({ x, y: 3 * x ** -0.5 })),
      { title: 'rate', xTitle: 'n', yTitle: 'error' },
    );
    expect(fits[0]!.slope).toBeCloseTo(-0.5, 10);
    const bars = barErrors(
      [1, 2, 3, 4, 5].flatMap((v) => [
        { category: 'm256', group: 'cpu', value: v },
        { category: 'm256', group: 'webgpu', value: 10 * v },
      ]),
      { title: 'bars', yTitle: 'GFLOP/s' },
    );
    for (const spec of [band, scatter, bars]) checkSvg(await renderSvg(spec));
    // The bar chart carries the median and the interquartile range of the samples.
    const values = (bars.data as { values: { group: string; median: number; q25: number; q75: number }[] }).values;
    expect(values.find((v) => v.group === 'webgpu')).toMatchObject({ median: 30, q25: 20, q75: 40 });
  });

  test('stats', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(std([1, 1, 1])).toBe(0);
    expect(std([1, 3])).toBeCloseTo(Math.SQRT2, 12);
    const fit = fitPowerLaw([1, 2, 4, 8], [5, 20, 80, 320]);
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
  });
});

describe('kernels summary', () => {
  const record = (backend: string, workload: string, kind: string, samples: number[], higherIsBetter = true): UnitRecord => ({
    suite: 'kernels',
    unit: `${backend}/${workload}/seed-0`,
    params: {},
    elapsedMs: 1,
    finishedAt: '',
    data: { backend, workload, kind, metric: kind === 'overhead' ? 'us/op' : 'GFLOP/s', samples, medianMs: 1, work: 1e6, higherIsBetter },
  });

  test('ratios: ours ÷ other as speed (rates divide, costs invert), higher = ours faster', () => {
    const s = summarizeKernels(
      [
        record('webgpu', 'matmul-256', 'matmul', [8, 10, 12]),
        record('cpu', 'matmul-256', 'matmul', [1, 2, 3]),
        record('tfjs-webgpu', 'matmul-256', 'matmul', [4, 5, 6]),
        record('webgpu', 'overhead-chain-50', 'overhead', [90, 100, 110], false),
        record('cpu', 'overhead-chain-50', 'overhead', [4, 5, 6], false),
        record('tfjs-webgpu', 'overhead-chain-50', 'overhead', [40, 50, 60], false),
      ],
      3,
      1,
      ['webgpu', 'cpu'],
    );
    const byTitle = Object.fromEntries(s.tables.map((t) => [t.title, t]));
    expect(byTitle.Kernels!.columns).toEqual(['workload', 'metric', 'webgpu', 'cpu', 'tfjs-webgpu']);
    expect(byTitle.Kernels!.rows).toEqual([
      ['matmul-256', 'GFLOP/s', '10', '2', '5'],
      ['overhead-chain-50', 'us/op', '100', '5', '50'],
    ]);
    const ratios = byTitle['Ratios: ours ÷ peer (higher = we are faster)']!;
    // tfjs-webgpu is a GPU peer: compared with our webgpu only.
    expect(ratios.columns).toEqual(['workload', 'webgpu ÷ cpu', 'webgpu ÷ tfjs-webgpu']);
    expect(ratios.rows).toEqual([
      ['matmul-256', '5', '2'],
      ['overhead-chain-50', '0.05', '0.5'],
    ]);
    expect(s.rows.find((r) => r.backend === 'webgpu' && r.kind === 'matmul')!.x_cpu).toBe(5);
    expect(s.rows.find((r) => r.backend === 'tfjs-webgpu' && r.kind === 'matmul')!.ours_webgpu_speedup).toBe(2);
    expect(s.figures.map((f) => f.name)).toContain('gflops');
    // Targets: matmul-1024 was not run; overhead is exactly at "within 2x" (0.5).
    expect(byTitle.Targets!.rows[0]![3]).toBe('not measured: add 1024 to --matmul-sizes');
    expect(byTitle.Targets!.rows[2]!.slice(3)).toEqual(['0.5', '≥ 0.5', '1', 'none', '']);
  });

  test('the matrix-vector and split-K rows: our webgpu beside its old tile path, first in the ratios', () => {
    const s = summarizeKernels(
      [
        record('webgpu', 'matvec-64x64x1', 'matmul', [5, 6, 7]),
        record('cpu', 'matvec-64x64x1', 'matmul', [1, 1, 1]),
        record('webgpu-tile', 'matvec-64x64x1', 'matmul', [1, 2, 3]),
      ],
      3,
      1,
      ['webgpu', 'cpu'],
    );
    const byTitle = Object.fromEntries(s.tables.map((t) => [t.title, t]));
    expect(byTitle.Kernels!.columns).toEqual(['workload', 'metric', 'webgpu', 'cpu', 'webgpu-tile']);
    const ratios = byTitle['Ratios: ours ÷ peer (higher = we are faster)']!;
    expect(ratios.columns).toEqual(['workload', 'webgpu ÷ webgpu-tile', 'webgpu ÷ cpu']);
    expect(ratios.rows).toEqual([['matvec-64x64x1', '3', '6']]);
  });

  test('targets state measured ratios and, when missed, by what factor', () => {
    const s = summarizeKernels(
      [
        record('webgpu', 'matmul-1024', 'matmul', [9, 10, 11]),
        record('tfjs-webgpu', 'matmul-1024', 'matmul', [4, 5, 6]),
        record('webgpu', 'chain8-unfused-1048576', 'chain-unfused', [10]),
        record('webgpu', 'chain8-fused-1048576', 'chain-fused', [50]),
      ],
      3,
      1,
      ['webgpu'],
    );
    const targets = s.tables.find((t) => t.title === 'Targets')!;
    expect(targets.rows[0]!.slice(1, 7)).toEqual(['webgpu 10 GFLOP/s', 'tfjs-webgpu 5 GFLOP/s', '2', '≥ 4', '0.5', '2× short of the target']);
    // The kernel that ran was not recorded here; the gap is outside the run's spread.
    expect(targets.rows[0]![7]).toBe('between the quartiles of the samples the ratio ranges 1.73-2.33; the configuration that ran was not recorded');
    expect(targets.rows[1]!.slice(3)).toEqual(['5', '≥ 4', '1.25', 'none', '']);
  });

  test('why a target was missed comes from the run: spread, readback floor, arithmetic per element', () => {
    const at = (backend: string, workload: string, kind: string, medianMs: number, extra: Record<string, unknown> = {}) => ({
      ...record(backend, workload, kind, [1]),
      data: { backend, workload, kind, metric: 'x', samples: [1], medianMs, higherIsBetter: true, ...extra },
    });
    const why = (records: UnitRecord[]) => summarizeKernels(records, 3, 1, ['webgpu']).tables.find((t) => t.title === 'Targets')!.rows.map((r) => r[7]);
    // Fused 2x unfused; a fused element costs 5x a neg element (40 ms over 1M vs 8 ms over 1M), well above the 1 ms floor.
    const chain = [
      at('webgpu', 'chain8-unfused-1048576', 'chain-unfused', 80, { samples: [1], work: 2 ** 20 }),
      at('webgpu', 'chain8-fused-1048576', 'chain-fused', 40, { samples: [2], work: 2 ** 20 }),
      at('webgpu', 'unary-neg-1048576', 'unary', 8, { work: 8 * 2 ** 20 }),
      at('webgpu', 'overhead-chain-50', 'overhead', 20, { higherIsBetter: false, samples: [100], baselineMedianMs: 1 }),
      at('tfjs-webgpu', 'overhead-chain-50', 'overhead', 20, { higherIsBetter: false, samples: [100] }),
    ];
    expect(why(chain)[1]).toBe(
      "arithmetic-bound: per element the fused kernel costs 5× one streaming op (neg) and each of the 8 unfused ops 1.25× on average; the fused time goes to the chain's math (tanh and sigmoid, an exp each), not to the memory traffic that fusion removes",
    );
    // The same chain at a 30 ms readback floor: the calls measure the round trip.
    chain[3] = at('webgpu', 'overhead-chain-50', 'overhead', 40, { higherIsBetter: false, samples: [100], baselineMedianMs: 30 });
    expect(why(chain)[1]).toMatch(/^latency-bound: a call takes 40 ms, within 2× of one tiny op and its readback \(30 ms\)/);
    // Per-op overhead: the share spent recording in JavaScript, from the run.
    const overhead = [
      at('webgpu', 'overhead-chain-50', 'overhead', 20, { higherIsBetter: false, samples: [200], baselineMedianMs: 1, recordUsPerOp: 80 }),
      at('tfjs-webgpu', 'overhead-chain-50', 'overhead', 20, { higherIsBetter: false, samples: [50] }),
    ];
    expect(why(overhead)[2]).toBe('recording one more op in JavaScript (its output buffer, bind group and meta slot) takes 80 us here, 40% of our 200 us/op; the rest is the device running it');
    // matmul: a recorded register-tile kernel, and a gap inside the samples' spread.
    const mm = (ours: number[], theirs: number[]) => [
      { ...record('webgpu', 'matmul-1024', 'matmul', ours), data: { ...record('webgpu', 'matmul-1024', 'matmul', ours).data, medianMs: 100, matmulConfig: '8x8/8x8/A1B4' } },
      record('tfjs-webgpu', 'matmul-1024', 'matmul', theirs),
    ];
    expect(why(mm([10, 10, 10], [5, 5, 5]))[0]).toMatch(/^between the quartiles of the samples the ratio ranges 2-2; our kernel here was 8x8\/8x8\/A1B4, which keeps its tile in registers with no workgroup memory/);
    const onCpuVulkan = mm([10, 10, 10], [5, 5, 5]);
    (onCpuVulkan[0]!.data as Record<string, unknown>).softwareAdapter = true;
    expect(why(onCpuVulkan)[0]).toBe('between the quartiles of the samples the ratio ranges 2-2; our kernel here was 8x8/8x8/A1B4, a register tile (workgroup memory and barriers are slow on CPU Vulkan), and the ratio moves with the machine\'s load');
    expect(why(mm([4, 15, 30], [4, 5, 6]))[0]).toBe("within this run's spread: between the quartiles of the samples the ratio reaches 5");
  });

  test('without cpu or peers in the run there is no ratio table', () => {
    const s = summarizeKernels([record('webgpu', 'matmul-256', 'matmul', [8, 10, 12])], 3, 1, ['webgpu']);
    const kernels = s.tables.find((t) => t.title === 'Kernels')!;
    expect(kernels.columns).toEqual(['workload', 'metric', 'webgpu']);
    expect(s.tables.map((t) => t.title)).toEqual(['Targets', 'Kernels', 'Median wall time per call (ms)']);
  });
});

describe('run directory and report', () => {
  test('a sleep run writes config, records, summary, report and figures; `report DIR` rewrites them', async () => {
    const out = tempDir();
    const r = await runCli(['sleep', '--steps', '6', '--seeds', '3', '--ms', '0', '--plots', '--out', out, '--run-id', 'r']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[ 1\/18\] sleep seed-0\/step-0 {2}loss 1\.\d+ {2}\(\d+ ms\)$/m);
    const dir = join(out, 'sleep', 'r');
    for (const f of ['config.json', 'results.jsonl', 'summary.csv', 'report.md', 'sleep-loss.svg', 'sleep-loss.vl.json', 'sleep-loss-loglog.svg', 'sleep-loss-loglog.vl.json']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    checkSvg(readFileSync(join(dir, 'sleep-loss.svg'), 'utf8'));
    checkSvg(readFileSync(join(dir, 'sleep-loss-loglog.svg'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.suites[0].options).toEqual({ steps: 6, ms: 0, curve: 'power', plots: true });
    expect(config.options).toMatchObject({ mode: 'full', backend: 'auto', seeds: 3, shard: null });
    expect(config.versions.node).toBe(process.version);
    expect(config.git).toHaveProperty('commit');
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('## Setup');
    expect(report).toContain('## sleep');
    expect(report).toContain('![Loss curve with seed band](sleep-loss.svg)');
    expect(report).toContain('| steps | `6` | units per seed |');
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8').split('\n')[0]).toBe('suite,unit,seed,step,loss');

    rmSync(join(dir, 'report.md'));
    rmSync(join(dir, 'sleep-loss.svg'));
    const again = await runCli(['report', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toBe(report);
    checkSvg(readFileSync(join(dir, 'sleep-loss.svg'), 'utf8'));
  });

  test('a tiny kernels run on cpu: table, bar chart with error bars, ratios absent without a second backend', async () => {
    const out = tempDir();
    const args = ['--backend', 'cpu', '--peers', 'none', '--matmul-sizes', '8,16', '--transformer', '4,8,16', '--matvec', '8', '--splitk', '2,32,3', '--elementwise-size', '256', '--chain', '4', '--softmax', '8,8', '--layernorm', '8,8', '--fusion-size', '256', '--reps', '3', '--warmup', '1'];
    const r = await runCli(['kernels', ...args, '--out', out, '--run-id', 'k']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| matmul-16 \| GFLOP\/s \| [\d.]+ \|/);
    const dir = join(out, 'kernels', 'k');
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('### Kernels');
    expect(report).toContain('There is no paper to compare with');
    expect(report).toContain('![Matmul GFLOP/s per backend](kernels-gflops.svg)');
    expect(report).toContain('**cpu**: cpu');
    checkSvg(readFileSync(join(dir, 'kernels-gflops.svg'), 'utf8'));
    const spec = JSON.parse(readFileSync(join(dir, 'kernels-gflops.vl.json'), 'utf8'));
    expect(spec.layer.map((l: { mark: { type: string } }) => l.mark.type)).toEqual(['bar', 'rule']);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.backends).toEqual(['cpu']);
    expect(config.adapters.cpu).toMatch(/cpu/);
    expect(config.suites[0].units).toEqual([
      'cpu/matmul-8/seed-0',
      'cpu/matmul-16/seed-0',
      'cpu/matmul-transformer-4x8x16/seed-0',
      'cpu/vecmat-1x8x8/seed-0',
      'cpu/matvec-8x8x1/seed-0',
      'cpu/splitk-2x32x3/seed-0',
      'cpu/unary-neg-256/seed-0',
      'cpu/binary-add-256/seed-0',
      'cpu/overhead-chain-4/seed-0',
      'cpu/softmax-8x8/seed-0',
      'cpu/layernorm-8x8/seed-0',
      'cpu/chain8-unfused-256/seed-0',
      'cpu/chain8-fused-256/seed-0',
    ]);
  });

  test('a tiny kernels run with peers: tfjs and ONNX Runtime side by side with ours in one report', async () => {
    const out = tempDir();
    const args = ['--backend', 'cpu', '--peers', 'tfjs-cpu,tfjs-wasm,ort-cpu', '--ops', 'matmul,softmax', '--matmul-sizes', '16', '--transformer', '4,8,16', '--softmax', '8,8', '--reps', '2', '--warmup', '1'];
    const r = await runCli(['kernels', ...args, '--out', out, '--run-id', 'p']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| matmul-16 \| GFLOP\/s \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    const report = readFileSync(join(out, 'kernels', 'p', 'report.md'), 'utf8');
    expect(report).toContain('| workload | cpu ÷ tfjs-wasm | cpu ÷ tfjs-cpu | cpu ÷ ort-cpu |');
    expect(report).toMatch(/\| tfjs-wasm \| ran \| @tensorflow\/tfjs-core [\d.]+, @tensorflow\/tfjs-backend-wasm [\d.]+ \| SIMD/);
    expect(report).toMatch(/\| ort-cpu \| ran \| onnxruntime-node [\d.]+ \| CPU execution provider/);
    expect(report).toContain('### Targets');
  });
});
