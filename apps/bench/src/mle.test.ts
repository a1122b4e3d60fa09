import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import type { CellLosses, SweepRecord } from '@nonlinear/theory';
import { describe, expect, test } from 'vitest';
import { JsonlResultStore } from './cell-store.js';
import type { UnitRecord } from './suite.js';
import { logSizes, summarizeMle, theoryFor } from './suites/mle.js';
import { essence, readRecords, runCli, tempDir } from './test-util/cli.js';

/** The mle suite: its summary and verdicts on made-up records, the cells file, and a tiny real run with a resume mid-unit. */

const group = (v: number, atoms: number) => ({ beta1: v, tau: v, a: v, b: v, nu: v, atoms });
const losses = (v: number, multi: number): CellLosses => ({
  d1: v, d2: v, weights: v, single: group(v, 1), multi: group(multi, multi > 0 ? 2 : 0), cellSizes: [1, 1], hellinger: v, totalVariation: v,
});

/** Unit records of one setting: 4 replications per n with a small deterministic spread around law(n). */
function unitRecords(setting: string, law: (n: number) => number, over = false): UnitRecord[] {
  return [100, 1000, 10000, 100000].map((n) => ({
    suite: 'mle', unit: `${setting}/n-${n}`, params: { setting, n }, elapsedMs: 1, finishedAt: '',
    data: {
      setting, n, replications: [0.9, 1, 1.05, 1.1].map((f, replication) => ({
        replication, seed: replication, status: replication === 3 && n === 1000 ? 'failed' : 'ok', failure: replication === 3 && n === 1000 ? 'variance-collapse at iteration 4: nu' : null,
        iterations: 5, logLikelihood: -1, losses: losses(f * law(n), over ? f * law(n) ** 0.5 : 0) as never,
      })),
    },
  }));
}

const O = { bootstrap: 200, seed: 0, tolerance: 1e-6, maxIterations: 2000 };

describe('summary', () => {
  test('verdicts follow the fits: slow temperature and parametric activation data support the headline', () => {
    const records = [
      ...unitRecords('temperature', (n) => 2 / Math.log(n)),
      ...unitRecords('activation-tanh', (n) => 3 / Math.sqrt(n)),
      ...unitRecords('activation-tanh-over', (n) => 1 / n, true),
    ];
    const s = summarizeMle(records, O);
    const claims = s.tables.find((t) => t.title.startsWith('Claims'))!;
    const verdict = (setting: string, loss: string) => claims.rows.find((r) => r[0] === setting && r[1] === loss)![5];
    expect(verdict('temperature', 'parameters (β1, τ, a, b, ν)')).toBe('supported');
    expect(verdict('temperature', 'Hellinger')).toBe('not supported');
    expect(verdict('activation-tanh', 'parameters (β1, τ, a, b, ν)')).toBe('supported');
    // The over-specified multi-atom loss was made sqrt(1/n) = n^-1/2: the claimed n^-1/4 is not supported; D2 ~ 1/n neither.
    expect(verdict('activation-tanh-over', 'multi-atom β1, τ, a')).toBe('not supported');
    expect(s.notes).toContain('**partly supported**');
    const failures = s.tables.find((t) => t.title.startsWith('EM fits'))!;
    expect(failures.rows.find((r) => r[0] === 'temperature')).toEqual(['temperature', 16, 1, 0, 'variance-collapse at iteration 4 (1)', '5 / 5']);
    const rate = s.rows.find((r) => r.part === 'rate' && r.setting === 'activation-tanh' && r.loss === 'd1')!;
    expect(rate.exponent as number).toBeCloseTo(-0.5, 2);
    expect(rate.preferred).toBe('power-law');
    expect(s.rows.find((r) => r.part === 'mean' && r.setting === 'temperature' && r.n === 1000 && r.loss === 'd1')).toMatchObject({ used: 3, failed: 1 });
    expect(s.figures.map((f) => f.name)).toEqual(['temperature', 'activation-tanh', 'activation-tanh-over']);

    const supported = summarizeMle([...unitRecords('temperature', (n) => 2 / Math.log(n)), ...unitRecords('activation-tanh', (n) => 3 / Math.sqrt(n))], O);
    expect(supported.notes).toContain('**supported** by every part measured here');
    expect(summarizeMle(unitRecords('softmax', (n) => n ** -0.5), O).notes).toContain('this run cannot test it');
  });

  test('theory per setting and loss; log-uniform sizes', () => {
    expect(theoryFor('temperature', 'parameters')).toEqual({ kind: 'slower-than-polynomial' });
    expect(theoryFor('temperature', 'hellinger')).toEqual({ kind: 'power', exponent: -0.5 });
    expect(theoryFor('activation-gelu-over', 'multiSlow')).toEqual({ kind: 'power', exponent: -0.25 });
    expect(theoryFor('softmax-over', 'multiSlow')).toBeNull();
    expect(logSizes(100, 100000, 4)).toEqual([100, 1000, 10000, 100000]);
    expect(logSizes(100, 100000, 200)).toHaveLength(200);
  });
});

test('the cells file: records survive a reopen, a torn last line is cut off, a corrupt line is an error', () => {
  const path = join(tempDir('cells-'), 'cells.jsonl');
  const rec = (key: string): SweepRecord => ({ key, setting: 's', n: 10, replication: 0, seed: 1, status: 'ok', iterations: 3, logLikelihood: -2.5, losses: null, fit: null });
  const a = new JsonlResultStore(path);
  a.append(rec('s/n-10/rep-0'));
  a.append(rec('s/n-10/rep-1'));
  a.append(rec('s/n-10/rep-0'));
  a.close();
  writeFileSync(path, `${readFileSync(path, 'utf8')}{"key":"s/n-10/rep-2","sett`);
  const b = new JsonlResultStore(path);
  expect(b.tornBytes).toBeGreaterThan(0);
  expect(b.all().map((r) => r.key)).toEqual(['s/n-10/rep-0', 's/n-10/rep-1']);
  expect(b.has('s/n-10/rep-2')).toBe(false);
  b.append(rec('s/n-10/rep-2'));
  b.close();
  expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as SweepRecord).key)).toEqual(['s/n-10/rep-0', 's/n-10/rep-1', 's/n-10/rep-2']);
  writeFileSync(path, 'not json\n');
  expect(() => new JsonlResultStore(path)).toThrow(/not JSON/);
});

test('a tiny mle run: report, figures, the cells file, and a resume from the middle of a unit', async () => {
  const out = tempDir();
  const args = [
    '--settings', 'temperature,activation-tanh,activation-tanh-over', '--min-n', '60', '--max-n', '240', '--size-count', '3', '--over-min-n', '100', '--over-max-n', '200', '--over-size-count', '2',
    '--replications', '2', '--max-iterations', '40', '--density-x', '5', '--density-points', '101', '--bootstrap', '50', '--out', out,
  ];
  const r = await runCli(['mle', ...args, '--run-id', 'a']);
  expect(r.code, r.stderr).toBe(0);
  const dir = join(out, 'mle', 'a');
  const records = readRecords(dir);
  expect(records.map((x) => x.unit)).toEqual([
    'temperature/n-60', 'temperature/n-120', 'temperature/n-240', 'activation-tanh/n-60', 'activation-tanh/n-120', 'activation-tanh/n-240',
    'activation-tanh-over/n-100', 'activation-tanh-over/n-200',
  ]);
  const cells = readFileSync(join(dir, 'mle-cells.jsonl'), 'utf8').split('\n').filter(Boolean);
  expect(cells).toHaveLength(16);
  const report = readFileSync(join(dir, 'report.md'), 'utf8');
  expect(report).toContain('### Compared with [Nguyen, Akbarian, Ho');
  expect(report).toContain('### Claims: does the measured rate support the expected one?');
  expect(report).toMatch(/The paper's claim, that the temperature gate's parameter losses decay slower than any polynomial .*: \*\*(supported|not supported|partly supported)\*\*/);
  for (const f of ['mle-temperature.svg', 'mle-activation-tanh.svg', 'mle-activation-tanh-over.svg']) {
    expect(XMLValidator.validate(readFileSync(join(dir, f), 'utf8'))).toBe(true);
  }

  // A kill in the middle of the last unit: its unit record is gone and one of its two cells too.
  const b = join(out, 'mle', 'b');
  const r2 = await runCli(['mle', ...args, '--run-id', 'b']);
  expect(r2.code, r2.stderr).toBe(0);
  const lines = readFileSync(join(b, 'results.jsonl'), 'utf8').split('\n').filter(Boolean);
  writeFileSync(join(b, 'results.jsonl'), `${lines.slice(0, -1).join('\n')}\n`);
  writeFileSync(join(b, 'mle-cells.jsonl'), `${cells.slice(0, -1).join('\n')}\n`);
  const resumed = await runCli(['mle', '--resume', '--run-id', 'b', '--out', out]);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(resumed.stdout).toContain('activation-tanh-over/n-200: 1 of 2 replications found in mle-cells.jsonl');
  expect(essence(readRecords(b))).toEqual(essence(records));
  expect(readFileSync(join(b, 'mle-cells.jsonl'), 'utf8').split('\n').filter(Boolean)).toEqual(cells);
}, 180_000);
