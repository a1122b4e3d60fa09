import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { UnitRecord } from './suite.js';
import { accuracy, confusionMatrix, f1PerClass, macroF1 } from './suites/kan-metrics.js';
import { ablationModels, matchHidden } from './suites/kan-models.js';
import { beats, competitive, summarizeKan } from './suites/kan-summary.js';
import { trainRun, type Splits, type TrainConfig } from './suites/kan-train.js';
import { readRecords, runCli, tempDir } from './test-util/cli.js';
import { testBackends } from '../../../tools/testing/backends.js';

/** The kan suite: metrics, the parameter matching, the claim rules, the summary, and a tiny real run. */

describe('metrics', () => {
  // truth 0 0 1 1 2 2, predicted 0 1 1 1 0 2: per class (TP, FP, FN) = (1, 1, 1), (2, 1, 0), (1, 0, 1).
  const c = confusionMatrix([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 0, 2], 3);

  test('confusion matrix, accuracy, per-class and macro F1 (worked by hand)', () => {
    expect(c.matrix).toEqual([[1, 1, 0], [0, 2, 0], [1, 0, 1]]);
    expect(accuracy(c)).toBeCloseTo(4 / 6, 12);
    const f = f1PerClass(c);
    expect(f[0]).toBeCloseTo(2 / 4, 12);
    expect(f[1]).toBeCloseTo(4 / 5, 12);
    expect(f[2]).toBeCloseTo(2 / 3, 12);
    expect(macroF1(c)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  test('a class never seen nor predicted scores 0 in the macro mean; bad labels are typed errors', () => {
    expect(macroF1(confusionMatrix([0, 1], [0, 1], 3))).toBeCloseTo(2 / 3, 12);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(T.ValueError);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/1 true labels but 2 predictions/);
    expect(Number.isNaN(accuracy(confusionMatrix([], [], 2)))).toBe(true);
  });
});

test('the matched MLP: 784-h-10 with h closest in parameters (2*784 + 796 h, from the layer formulas)', async () => {
  const cpu = await T.initBackend('cpu');
  // AF-KAN's 52,552 -> h = 64 (52,512); EfficientKAN's 508,160 -> h = 636 (507,824; 637 gives 508,620).
  expect(matchHidden('mlp', { activation: 'silu' }, 52_552, 784, 10, cpu)).toEqual({ hidden: 64, params: 52_512 });
  expect(matchHidden('mlp', { activation: 'silu' }, 508_160, 784, 10, cpu)).toEqual({ hidden: 636, params: 507_824 });
});

test('ablations: one setting changed per model, the default value skipped', () => {
  const m = ablationModels({ activations: ['silu', 'relu'], functions: ['quad1', 'sum'], grids: [3, 3, 5, 2], reductions: ['global_attn', 'all'] });
  expect(m.map((x) => x.key)).toEqual(['afkan-act-relu', 'afkan-fn-sum', 'afkan-grid-5x2', 'afkan-red-all']);
  expect(m[2]!.options).toMatchObject({ gridSize: 5, splineOrder: 2, activation: 'silu', functionType: 'quad1' });
  expect(m[3]!.options).toMatchObject({ methods: ['global_attn', 'spatial_attn', 'multistep'], combine: 'sum' });
  expect(() => ablationModels({ activations: [], functions: [], grids: [3], reductions: [] })).toThrow(/G,K pairs/);
});

test('claim rules: two standard errors, too few seeds, the competitive margin', () => {
  expect(beats([98, 98.2], [97, 97.2]).verdict).toBe('supported');
  expect(beats([97, 97.2], [98, 98.2]).verdict).toBe('contradicted');
  expect(beats([97, 99], [97.5, 98.5]).verdict).toBe('not resolved');
  expect(beats([99], [97, 97.1]).verdict).toBe('too few seeds');
  expect(competitive([97], [97.9])).toEqual({ gap: expect.closeTo(0.9, 9), verdict: 'competitive' });
  expect(competitive([97], [98.5]).verdict).toBe('not competitive');
});

/** Synthetic 28x28 images from a fixed LCG: enough to exercise the training loop, no dataset needed. */
function syntheticImages(seed: number) {
  let state = seed;
  const byte = (): number => ((state = (state * 1103515245 + 12345) >>> 0) >>> 24);
  return (n: number) => ({ name: 'synthetic', split: 'train' as const, images: Uint8Array.from({ length: n * 784 }, byte), labels: Uint8Array.from({ length: n }, () => byte() % 10), count: n, shape: [28, 28] as const, numClasses: 10 });
}

test('a training cell killed after an epoch resumes from its checkpoint and ends as an uninterrupted run', async () => {
  const cpu = await T.initBackend('cpu');
  const images = syntheticImages(12345);
  const data: Splits = { train: images(48), test: images(20) };
  const checkpoint = join(tempDir('kan-ckpt-'), 'cell.safetensors');
  const config: TrainConfig = { variant: 'afkan', options: {}, widths: [784, 6, 10], seed: 3, epochs: 3, batch: 16, lr: 1e-2, weightDecay: 1e-4, gamma: 0.8, maxBatches: 0, evalBatch: 20, checkpoint: null };
  const whole = await trainRun(config, data, cpu, () => {}, 'whole');
  // The log line of epoch 2 comes before its checkpoint: throwing there leaves epoch 1's.
  const kill = (m: string): void => {
    if (m.includes('epoch 2/3')) throw new Error('killed');
  };
  await expect(trainRun({ ...config, checkpoint }, data, cpu, kill, 'killed')).rejects.toThrow('killed');
  expect(existsSync(checkpoint)).toBe(true);
  const lines: string[] = [];
  const resumed = await trainRun({ ...config, checkpoint }, data, cpu, (m) => lines.push(m), 'resumed');
  expect(lines[0]).toBe('resumed: resumed after epoch 1 from its checkpoint');
  expect(existsSync(checkpoint)).toBe(false);
  const strip = (curve: unknown) => (curve as Record<string, number>[]).map(({ epoch, lr, trainLoss, testAccuracy }) => ({ epoch, lr, trainLoss, testAccuracy }));
  expect(strip(resumed.curve)).toEqual(strip(whole.curve));
  expect(resumed.steps).toBe(9);
});

// The shared backends of every package's tests: under CI a missing adapter fails the run, elsewhere the skip is announced.
const gpu = (await testBackends(T.initBackend)).find((b) => b.name === 'webgpu') as (T.Backend & { maxInFlight: number }) | undefined;

test.skipIf(!gpu)('a long epoch on webgpu waits for the device now and then instead of queueing work until BacklogError', async () => {
  const images = syntheticImages(777);
  const data: Splits = { train: images(400), test: images(8) };
  const config: TrainConfig = { variant: 'mlp', options: {}, widths: [784, 4, 10], seed: 1, epochs: 1, batch: 2, lr: 1e-3, weightDecay: 1e-4, gamma: 0.8, maxBatches: 0, evalBatch: 8, checkpoint: null };
  // 200 steps of recorded work, never read inside the epoch: far more batches than 24 if nothing waits.
  const device = gpu!;
  const saved = device.maxInFlight;
  device.maxInFlight = 24;
  try {
    const r = await trainRun(config, data, device, () => {}, 'long');
    expect(r.steps).toBe(200);
  } finally {
    device.maxInFlight = saved;
  }
}, 60_000);

const rec = (data: Record<string, unknown>): UnitRecord => ({ suite: 'kan', unit: 'u', params: {}, data: data as UnitRecord['data'], elapsedMs: 1, finishedAt: '' });

test('summary: tables per dataset, speed ratios, ablations, verdicts computed from the records', () => {
  const train = (model: string, seed: number, acc: number, params: number, seconds: number, group = 'main', value = '') => rec({
    part: group === 'main' ? 'main' : 'ablation', dataset: 'mnist', model, variant: model.startsWith('afkan') ? 'afkan' : model, group, value, seed,
    params, flops: params * 2, widths: [784, 64, 10], device: 'cpu', adapter: 'cpu', trainImages: 100, testImages: 50, epochs: 2,
    curve: [{ epoch: 1, testAccuracy: acc - 0.01 }, { epoch: 2, testAccuracy: acc }], finalAccuracy: acc, finalMacroF1: acc - 0.01, bestAccuracy: acc, bestEpoch: 2,
    trainSeconds: seconds, secondsPerEpoch: seconds / 2, msPerStep: 10,
  });
  const speed = (model: string, ms: number, mlpMs: number) => rec({
    part: 'speed', model, variant: model, backend: 'cpu', batch: 64, params: 1000, flops: 2000, mlpHidden: 64, mlpParams: 1000, mlpFlops: 2000,
    modelMedianMs: ms, mlpMedianMs: mlpMs, ratio: ms / mlpMs, ratios: [ms / mlpMs],
  });
  const s = summarizeKan([
    speed('afkan', 30, 10), speed('mlp', 10, 10),
    train('afkan', 0, 0.98, 52_552, 20), train('afkan', 1, 0.982, 52_552, 22), train('mlp', 0, 0.97, 52_512, 10), train('mlp', 1, 0.972, 52_512, 10),
    train('efficientkan', 0, 0.975, 508_160, 50), train('efficientkan', 1, 0.977, 508_160, 50),
    train('afkan-act-relu', 0, 0.96, 52_552, 15, 'activation', 'relu'),
  ], { hidden: 64, epochsMnist: 2, epochsFashion: 2, trainSize: 100, testSize: 50 });
  expect(s.rows.filter((r) => r.part === 'main').map((r) => r.model)).toEqual(['afkan', 'mlp', 'efficientkan']);
  expect(s.rows.find((r) => r.model === 'afkan')).toMatchObject({ seeds: 2, final_acc_mean: expect.closeTo(98.1, 9), train_seconds_median: 21 });
  expect(s.rows.find((r) => r.part === 'speed' && r.model === 'afkan')).toMatchObject({ ratio: 3 });
  const claims = s.tables.find((t) => t.title.startsWith('The paper'))!;
  const verdict = (start: string): unknown => claims.rows.find((r) => String(r[0]).startsWith(start))?.[4];
  expect(verdict('AF-KAN beats MLP')).toBe('supported');
  expect(verdict('AF-KAN competitive with efficientkan')).toBe('competitive');
  expect(verdict('AF-KAN costs more')).toBe('supported');
  const speedTable = s.tables.find((t) => t.title.startsWith('Forward+backward'))!;
  expect(speedTable.rows.map((r) => [r[0], r[7], r[10]])).toEqual([['afkan', '3', '1.5× over the target'], ['mlp', '1', 'none']]);
  const ablation = s.tables.find((t) => t.title.includes('ablations'))!;
  expect(ablation.rows.map((r) => r[1])).toEqual(['silu (default)', 'relu']);
  expect(s.notes).toContain('on cpu, 1 of 2 within');
  expect(s.figures.map((f) => f.name)).toEqual(['acc-params-mnist', 'epochs-mnist', 'speed-ratio']);
});

test('a tiny kan run on cpu: training, ablation and speed cells, report, summary.csv, figures', async () => {
  const out = tempDir();
  const args = [
    '--backend', 'cpu', '--datasets', 'mnist', '--models', 'mlp,afkan,relukan-matched', '--kan-seeds', '2', '--train-size', '64', '--test-size', '50',
    '--epochs-mnist', '2', '--max-batches', '2', '--batch', '16', '--eval-batch', '50', '--ablation-datasets', 'mnist', '--ablate-activations', 'relu',
    '--ablate-functions', 'quad1', '--ablate-grids', '3,3', '--ablate-reductions', 'global_attn', '--speed-reps', '1', '--speed-warmup', '0',
  ];
  const r = await runCli(['kan', ...args, '--out', out, '--run-id', 'a']);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, 'kan', 'a');
  const records = readRecords(dir);
  expect(records.map((x) => x.unit)).toEqual([
    'speed/cpu/mlp', 'speed/cpu/afkan',
    'train/cpu/mnist/mlp/seed-0', 'train/cpu/mnist/afkan/seed-0', 'train/cpu/mnist/relukan-matched/seed-0', 'train/cpu/mnist/afkan-act-relu/seed-0',
    'train/cpu/mnist/mlp/seed-1', 'train/cpu/mnist/afkan/seed-1', 'train/cpu/mnist/relukan-matched/seed-1', 'train/cpu/mnist/afkan-act-relu/seed-1',
  ]);
  const t = records.filter((x) => x.unit.startsWith('train/')).map((x) => x.data);
  for (const d of t) {
    expect((d.curve as unknown[]).length).toBe(2);
    expect(d.steps).toBe(4);
    expect(d.testImages).toBe(50);
    expect(d.finalAccuracy as number).toBeGreaterThanOrEqual(0);
    expect(d.finalAccuracy as number).toBeLessThanOrEqual(1);
  }
  expect(t[0]).toMatchObject({ model: 'mlp', params: 52_512 });
  // The matched ReLU-KAN is narrowed to within a width step of AF-KAN's parameters (one hidden unit is 6,369 at g = 5, k = 3).
  expect(Math.abs((t[2]!.params as number) - (t[1]!.params as number)) / (t[1]!.params as number)).toBeLessThan(0.1);
  expect(records[0]!.data).toMatchObject({ mlpHidden: 64, mlpParams: 52_512 });
  const csv = readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\n');
  expect(csv[0]).toMatch(/^suite,part,dataset,model/);
  expect(csv.filter((l) => l.startsWith('kan,main,mnist,')).length).toBe(3);
  expect(csv.filter((l) => l.startsWith('kan,ablation,mnist,afkan-act-relu,')).length).toBe(1);
  expect(csv.filter((l) => l.startsWith('kan,speed,')).length).toBe(2);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  expect(report).toContain('### Compared with [Ta et al., AF-KAN');
  expect(report).toContain('### MNIST: every model');
  expect(report).toContain('### Forward+backward against the MLP of matched parameter count');
  expect(report).toContain('### MNIST: AF-KAN ablations');
  expect(report).toContain("### The paper's claims against this run");
  expect(report).toContain('**This run is not the full protocol**');
  for (const f of ['kan-acc-params-mnist.svg', 'kan-epochs-mnist.svg', 'kan-speed-ratio.svg']) {
    expect(XMLValidator.validate(readFileSync(join(dir, f), 'utf8'))).toBe(true);
  }
}, 240_000);
