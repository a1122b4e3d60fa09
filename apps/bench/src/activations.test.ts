import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import type { UnitRecord } from './suite.js';
import { loadCorpus } from './suites/activations-lm.js';
import { summarizeKernels, summarizeLm } from './suites/activations.js';
import { readRecords, runCli, tempDir } from './test-util/cli.js';

/** The activations suite: its summaries on hand-made records, the corpus reader, and a tiny real run. */

const rec = (data: Record<string, unknown>): UnitRecord => ({ suite: 'activations', unit: 'u', params: {}, data: data as UnitRecord['data'], elapsedMs: 1, finishedAt: '' });

describe('summaries', () => {
  test('kernels: fused ÷ unfused tokens/s per activation, shape and backend, with dispatches', () => {
    const k = (impl: string, rate: number, d: number) => rec({
      part: 'kernels', act: 'polynorm', impl, tokens: 1024, hidden: 512, backend: 'webgpu', adapter: 'gpu',
      fwdTokensPerSec: [rate, rate], fwdBwdTokensPerSec: [rate / 2, rate / 2], dispatchesFwd: d, dispatchesFwdBwd: 3 * d,
    });
    const s = summarizeKernels([k('fused', 1000, 1), k('unfused', 100, 26)]);
    expect(s.rows[0]).toMatchObject({ act: 'polynorm', shape: '1024x512', ratio_fwd: 10, ratio_fwdbwd: 10, dispatches_fused_fwd: 1, dispatches_unfused_fwdbwd: 78 });
    expect(s.tables[1]!.rows[0]).toEqual(['polynorm 1024x512 fwd+bwd on webgpu', '10', '≥ 5', '2', 'none']);
    expect(s.figures[0]!.name).toBe('kernels');
  });

  test('lm: order by mean final val loss, gaps against their standard error, the paper named, erank compared', () => {
    const lm = (kind: string, seed: number, val: number, erank: number) => rec({
      part: 'lm', kind, seed, params: 1000, ffnHidden: 12, finalValLoss: val, finalTrainLoss: val - 0.1, tokensPerSecond: 100, tokensSeen: 5000,
      erankUp: [erank], erankDown: [erank], coefficients: kind.startsWith('poly') ? [[0, 0.3, 0.3, 0.3]] : [],
      valCurve: [[0, 5.5], [10, val]], trainCurve: [[10, val - 0.1]], corpus: 'c.txt', corpusBytes: 100, device: 'cpu', adapter: 'cpu',
    });
    const records = [
      lm('relu', 0, 3.0, 10), lm('relu', 1, 3.02, 10), lm('polynorm', 0, 2.5, 12), lm('polynorm', 1, 2.52, 12), lm('swiglu', 0, 2.9, 9), lm('swiglu', 1, 3.1, 9),
    ];
    const s = summarizeLm(records);
    expect(s.rows.map((r) => r.activation)).toEqual(['polynorm', 'swiglu', 'relu']);
    expect(s.rows[0]).toMatchObject({ seeds: 2, val_loss_mean: 2.51 });
    const gaps = s.tables.find((t) => t.title.startsWith('Neighbouring gaps'))!;
    expect(gaps.rows.map((r) => [r[0], r[4]])).toEqual([['polynorm < swiglu', 'yes'], ['swiglu < relu', 'no']]);
    expect(s.notes).toContain('**polynorm < swiglu < relu**');
    expect(s.notes).toContain("the measured order matches the paper's");
    expect(s.notes).toContain('polynorm 12');
    expect(s.notes).toContain('is above every baseline here');
    expect(s.figures.map((f) => f.name)).toEqual(['lm-val-loss', 'lm-train-loss']);
  });
});

test('the corpus: a file, a directory without fortune .dat files, and a helpful error', () => {
  const dir = tempDir('corpus-');
  writeFileSync(join(dir, 'b'), 'world');
  writeFileSync(join(dir, 'a'), 'hello ');
  writeFileSync(join(dir, 'a.dat'), 'index');
  expect(Buffer.from(loadCorpus(dir).bytes).toString()).toBe('hello world');
  expect(loadCorpus(join(dir, 'b')).files).toBe(1);
  expect(() => loadCorpus(join(dir, 'missing'))).toThrow(/does not exist/);
});

test('a tiny activations run on cpu: kernels and LM, report, figures', async () => {
  const out = tempDir();
  const corpus = join(out, 'corpus.txt');
  writeFileSync(corpus, 'the quick brown fox jumps over the lazy dog. '.repeat(40));
  const args = [
    '--backend', 'cpu', '--shapes', '16,8', '--reps', '2', '--warmup', '0', '--corpus', corpus, '--lm-acts', 'relu,polynorm,swiglu', '--lm-seeds', '2',
    '--dim', '8', '--heads', '2', '--layers', '1', '--hidden', '8', '--seq-len', '8', '--batch', '2', '--steps', '4', '--warmup-steps', '1', '--eval-every', '2',
    '--eval-batches', '1', '--log-every', '2',
  ];
  const r = await runCli(['activations', ...args, '--out', out, '--run-id', 'a']);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, 'activations', 'a');
  const records = readRecords(dir);
  expect(records.map((x) => x.unit)).toEqual([
    'kernels/cpu/polynorm-fused/16x8/seed-0', 'kernels/cpu/polynorm-unfused/16x8/seed-0', 'kernels/cpu/polyrelu-fused/16x8/seed-0', 'kernels/cpu/polyrelu-unfused/16x8/seed-0',
    'lm/cpu/relu/seed-0', 'lm/cpu/polynorm/seed-0', 'lm/cpu/swiglu/seed-0', 'lm/cpu/relu/seed-1', 'lm/cpu/polynorm/seed-1', 'lm/cpu/swiglu/seed-1',
  ]);
  const lm = records.filter((x) => x.data.part === 'lm').map((x) => x.data);
  expect(lm.every((d) => Number.isFinite(d.finalValLoss as number) && (d.valCurve as unknown[]).length === 3)).toBe(true);
  // Parameter-matched FFNs: 3 * dim * h weights each (+ 4 PolyNorm coefficients per layer).
  expect(lm.slice(0, 3).map((d) => d.params)).toEqual([lm[0]!.params, (lm[0]!.params as number) + 4, lm[0]!.params]);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  expect(report).toContain('### Compared with [Zhuo et al.');
  expect(report).toContain('### Fused vs unfused PolyCom kernels (tokens/s)');
  expect(report).toContain('### Language model: final losses (bytes), throughput and effective rank');
  expect(report).toMatch(/measured order by mean final validation loss, best first: \*\*/);
  for (const f of ['activations-kernels.svg', 'activations-lm-val-loss.svg', 'activations-lm-train-loss.svg']) {
    expect(XMLValidator.validate(readFileSync(join(dir, f), 'utf8'))).toBe(true);
  }
}, 120_000);
