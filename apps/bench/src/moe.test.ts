import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { expect, test } from 'vitest';
import type { UnitRecord } from './suite.js';
import { summarizeMoe } from './suites/moe.js';
import { readRecords, runCli, tempDir } from './test-util/cli.js';

/** The moe suite: its summary on hand-made records, and a tiny real run. */

const rec = (data: Record<string, unknown>): UnitRecord => ({ suite: 'moe', unit: 'u', params: {}, data: data as UnitRecord['data'], elapsedMs: 1, finishedAt: '' });

test('summary: order by mean final val loss, throughput against the dense model, routing columns', () => {
  const run = (model: string, seed: number, val: number, rate: number, active: number | null) => rec({
    model, seed, params: 1000, activeParams: 800, finalValLoss: val, finalTrainLoss: val - 0.1, tokensPerSecond: rate, finalActiveExperts: active,
    finalLoadCv: active === null ? null : 0.2, finalDroppedTokens: active === null ? null : 0, valCurve: [[0, 5.5], [10, val]], trainCurve: [[10, val]],
    loadCvCurve: active === null ? [] : [[10, 0.2]], activeCurve: active === null ? [] : [[10, active]], corpus: 'c.txt', corpusBytes: 100, device: 'cpu', adapter: 'cpu',
  });
  const s = summarizeMoe([
    run('top2', 0, 3.0, 50, 2), run('top2', 1, 3.2, 70, 2), run('activation', 0, 2.8, 40, 3), run('activation', 1, 2.8, 40, 3), run('dense', 0, 3.5, 100, null), run('dense', 1, 3.5, 100, null),
  ]);
  expect(s.rows.map((r) => r.model)).toEqual(['activation', 'top2', 'dense']);
  expect(s.rows[1]).toMatchObject({ seeds: 2, val_loss_mean: 3.1, tokens_per_s_median: 60, tokens_per_s_vs_dense: 0.6, active_experts_final: 2 });
  expect(s.rows[2]).toMatchObject({ active_experts_final: null, tokens_per_s_vs_dense: 1 });
  expect(s.notes).toContain('**activation < top2 < dense**');
  expect(s.notes).toContain('top2 0.6×');
  expect(s.figures.map((f) => f.name)).toEqual(['val-loss', 'train-loss', 'load-balance', 'active-experts', 'throughput']);
});

test('a tiny moe run on cpu: every gate and the dense model, report, figures', async () => {
  const out = tempDir();
  const corpus = join(out, 'corpus.txt');
  writeFileSync(corpus, 'the quick brown fox jumps over the lazy dog. '.repeat(40));
  const args = [
    '--lm-backend', 'cpu', '--corpus', corpus, '--moe-seeds', '1', '--dim', '8', '--heads', '2', '--layers', '1', '--experts', '3', '--expert-hidden', '4',
    '--seq-len', '8', '--batch', '2', '--steps', '4', '--warmup-steps', '1', '--eval-every', '2', '--eval-batches', '1', '--log-every', '2',
  ];
  const r = await runCli(['moe', ...args, '--out', out, '--run-id', 'a']);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, 'moe', 'a');
  const records = readRecords(dir);
  expect(records.map((x) => x.unit)).toEqual(['lm/cpu/top2/seed-0', 'lm/cpu/temperature/seed-0', 'lm/cpu/activation/seed-0', 'lm/cpu/dense/seed-0']);
  const d = records.map((x) => x.data);
  expect(d.every((x) => Number.isFinite(x.finalValLoss as number) && (x.valCurve as unknown[]).length === 3)).toBe(true);
  // Top-2 runs 2 experts per token; the dense-to-sparse gates between 1 and 3; the dense model has no routing.
  expect(d[0]!.finalActiveExperts).toBe(2);
  for (const x of d.slice(1, 3)) expect(x.finalActiveExperts as number).toBeGreaterThanOrEqual(1);
  expect(d[3]!.finalActiveExperts).toBeNull();
  // Equal active parameters: top-2's active count is the dense model's plus the router (3 x 8).
  expect(d[0]!.activeParams).toBe((d[3]!.params as number) + 3 * 8);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  expect(report).toContain('### Compared with [Nguyen, Akbarian, Ho');
  expect(report).toContain('### MoE language model: final losses, routing and throughput');
  expect(report).toMatch(/Measured order by mean final validation loss, best first: \*\*/);
  for (const f of ['moe-val-loss.svg', 'moe-train-loss.svg', 'moe-load-balance.svg', 'moe-active-experts.svg', 'moe-throughput.svg']) {
    expect(XMLValidator.validate(readFileSync(join(dir, f), 'utf8'))).toBe(true);
  }
}, 120_000);
