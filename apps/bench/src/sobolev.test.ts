import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { LogPenaltyVerdict } from '@nonlinear/theory';
import { describe, expect, test } from 'vitest';
import { logPenaltyStatement } from './suites/sobolev.js';
import { readRecords, runCli, tempDir } from './test-util/cli.js';

/** The sobolev suite: its plain statement on constructed verdicts, and a tiny real run. */

const verdict = (target: string, ci: [number, number], outcome: LogPenaltyVerdict['outcome']): LogPenaltyVerdict => ({
  target, a: 'polyrelu', b: 'relu', difference: (ci[0] + ci[1]) / 2, ci, verdict: 'not-resolved', meanParameters: 100, theory: 2, logFactorGap: 2 / Math.log(100),
  resolvesLogFactor: (ci[1] - ci[0]) / 2 < 2 / Math.log(100), outcome,
});

describe('the statement on the log-factor claim follows the stated rule', () => {
  test('all targets supported: supported; one contradicted: not supported; a mix: neither', () => {
    expect(logPenaltyStatement([verdict('a', [0.1, 0.3], 'supported'), verdict('b', [0, 0.2], 'supported')])).toContain('these measurements **support** it');
    expect(logPenaltyStatement([verdict('a', [0.1, 0.3], 'supported'), verdict('b', [-0.5, -0.1], 'contradicted')])).toContain('**do not support** it');
    const mixed = logPenaltyStatement([verdict('a', [0.1, 0.3], 'supported'), verdict('b', [-0.5, 2], 'inconclusive')]);
    expect(mixed).toContain('**neither support nor contradict** it');
    expect(mixed).toContain('1 of 2 target(s) support it, 0 contradict it and 1 are inconclusive');
    expect(logPenaltyStatement([])).toContain('was not tested');
  });
});

test('a tiny sobolev run on cpu: exact constructions, a two-size sweep, report and figure', async () => {
  const out = tempDir();
  const args = [
    '--backend', 'cpu', '--dims', '1', '--targets', 'limited', '--smoothness', '2', '--families', 'relu,polyrelu', '--sizes', '2,4', '--sweep-seeds', '2', '--adam-steps', '10',
    '--lbfgs-iterations', '3', '--train-points', '32', '--grid-budget', '64', '--qmc-points', '32', '--replicates', '2', '--bootstrap', '50',
  ];
  const r = await runCli(['sobolev', ...args, '--out', out, '--run-id', 's']);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, 'sobolev', 's');
  const records = readRecords(dir);
  expect(records.filter((x) => x.data.part === 'exact').map((x) => x.unit)).toEqual([
    'exact/relu/cpu-float64', 'exact/relu2/cpu-float64', 'exact/cubic/cpu-float64', 'exact/product/cpu-float64',
    'exact/relu/cpu-float32', 'exact/relu2/cpu-float32', 'exact/cubic/cpu-float32', 'exact/product/cpu-float32',
  ]);
  for (const x of records.filter((y) => y.data.part === 'exact')) expect(x.data.epsUnits as number).toBeLessThan(128);
  const cells = records.filter((x) => x.data.part === 'rates');
  expect(cells.map((x) => x.unit)).toEqual([0, 1].flatMap((s) => ['relu', 'polyrelu'].flatMap((f) => [2, 4].map((w) => `rates/limited-n2-d1/${f}/size-${w}/seed-${s}`))));
  expect(cells.every((x) => (x.data.errors as { sup: number }).sup > 0)).toBe(true);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  expect(report).toContain('### Exact constructions: PolyReLU networks with explicit weights');
  expect(report).toContain('all 8 runs are within it');
  expect(report).toContain('### Fitted approximation rates: error ~ C P^(−α)');
  expect(report).toContain('### PolyReLU against ReLU: difference of sup-norm exponents');
  expect(report).toMatch(/so these measurements \*\*(support|do not support|neither support nor contradict)\*\* it/);
  expect(XMLValidator.validate(readFileSync(join(dir, 'sobolev-rates-limited-n2-d1.svg'), 'utf8'))).toBe(true);
}, 120_000);
