import { protocolTruth } from '@nonlinear/moe';
import { ValueError } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { deriveSeed } from '../rates/rng.js';
import type { SweepRecord } from './record.js';
import { MemoryResultStore, type ResultStore } from '../store.js';
import { cellKey, runCell, runSweep, sweepCells, type SweepConfig } from './sweep.js';
import { voronoiD1 } from './voronoi.js';
import { paramsFromJson } from './params-json.js';

// Tiny cells: small n, a coarse density grid, and a short EM for the over-specified fit.
const config: SweepConfig = {
  settings: [
    { name: 'softmax', truth: protocolTruth(), experts: 2, sizes: [80, 160] },
    { name: 'act-over', truth: protocolTruth({ gate: 'activation', activation: 'tanh' }), experts: 3, sizes: [120] },
  ],
  replications: 3,
  seed: 5,
  em: { maxIterations: 50 },
  density: { x: Float64Array.of(0, 0.25, 0.5, 0.75, 1), points: 201 },
};

/** A store that records the order of its calls, to check that each record is appended as it is computed. */
class CountingStore implements ResultStore {
  readonly appended: string[] = [];
  private readonly inner: MemoryResultStore;
  constructor(records: SweepRecord[]) {
    this.inner = new MemoryResultStore(records);
  }
  has(key: string): boolean {
    return this.inner.has(key);
  }
  append(r: SweepRecord): void {
    this.appended.push(r.key);
    this.inner.append(r);
  }
  all(): readonly SweepRecord[] {
    return this.inner.all();
  }
}

describe('the sweep runner', () => {
  test('cells: setting x n x replication in order, each with its own derived seed', () => {
    const cells = sweepCells(config);
    expect(cells.map((c) => c.key)).toEqual([
      'softmax/n-80/rep-0', 'softmax/n-80/rep-1', 'softmax/n-80/rep-2', 'softmax/n-160/rep-0', 'softmax/n-160/rep-1', 'softmax/n-160/rep-2',
      'act-over/n-120/rep-0', 'act-over/n-120/rep-1', 'act-over/n-120/rep-2',
    ]);
    expect(cells[4]!.seed).toBe(deriveSeed(5, 'softmax', 160, 1));
    expect(new Set(cells.map((c) => c.seed)).size).toBe(cells.length);
    expect(cellKey('a', 10, 2)).toBe('a/n-10/rep-2');
  });

  test('a killed sweep resumes from a store holding half the records, and one cell recomputes identically alone', async () => {
    const full = new MemoryResultStore();
    const first = await runSweep(config, full);
    expect(first.computed).toBe(9);
    expect(first.records.map((r) => r.key)).toEqual(sweepCells(config).map((c) => c.key));
    for (const r of first.records) {
      expect(r.status).not.toBe('failed');
      expect(r.losses!.d1).toBeGreaterThan(0);
      expect(r.losses!.hellinger).toBeGreaterThan(0);
      // The stored fit reproduces the stored loss.
      expect(voronoiD1(paramsFromJson(r.fit!), config.settings.find((s) => s.name === r.setting)!.truth)).toBe(r.losses!.d1);
    }
    // Over-specified cells hold three fitted atoms.
    expect(first.records[6]!.losses!.cellSizes.reduce((a, b) => a + b, 0)).toBe(3);

    // The "killed" run: the store kept the first 4 records. Resuming computes exactly the other 5, in order.
    const partial = new CountingStore(first.records.slice(0, 4));
    const seen: number[] = [];
    const resumed = await runSweep(config, partial, { onRecord: (_, p) => seen.push(p.done) });
    expect(resumed.resumed).toBe(4);
    expect(resumed.computed).toBe(5);
    expect(partial.appended).toEqual(first.records.slice(4).map((r) => r.key));
    expect(seen).toEqual([5, 6, 7, 8, 9]);
    expect(JSON.parse(JSON.stringify(resumed.records))).toEqual(JSON.parse(JSON.stringify(first.records)));

    // One cell alone, from its seed: the same record.
    const cell = sweepCells(config)[7]!;
    expect(JSON.stringify(runCell(config, cell))).toBe(JSON.stringify(first.records[7]));
    // Another sweep seed gives another sample.
    const other = runCell({ ...config, seed: 6 }, sweepCells({ ...config, seed: 6 })[7]!);
    expect(other.losses!.d1).not.toBe(first.records[7]!.losses!.d1);
  }, 60_000);

  test('an async store and a filter: only the selected block runs', async () => {
    const records: SweepRecord[] = [];
    const store: ResultStore = {
      has: async (k) => records.some((r) => r.key === k),
      append: async (r) => void records.push(r),
      all: async () => records,
    };
    const run = await runSweep({ ...config, density: false }, store, { filter: (c) => c.setting === 'softmax' && c.n === 80 });
    expect(run.records.map((r) => r.key)).toEqual(['softmax/n-80/rep-0', 'softmax/n-80/rep-1', 'softmax/n-80/rep-2']);
    expect(run.records[0]!.losses!.hellinger).toBeUndefined();
  });

  test('an estimator that throws or fails gives a counted failed record, not an exception', () => {
    const cell = sweepCells(config)[0]!;
    const thrown = runCell(config, cell, { fit: () => { throw new Error('singular system'); } });
    expect(thrown).toMatchObject({ status: 'failed', failure: 'the estimator threw: singular system', losses: null, fit: null, iterations: 0 });
    const truth = config.settings[0]!.truth;
    const reported = runCell(config, cell, { fit: () => ({ params: truth, logLikelihood: -1, iterations: 7, converged: false, failure: 'variance-collapse at iteration 7' }) });
    expect(reported).toMatchObject({ status: 'failed', failure: 'variance-collapse at iteration 7', iterations: 7 });
    expect(reported.losses!.d1).toBe(0);
    const slow = runCell(config, cell, { fit: () => ({ params: truth, logLikelihood: -1, iterations: 2000, converged: false }) });
    expect(slow.status).toBe('not-converged');
    expect(slow.failure).toBeUndefined();
  });

  test('bad configs are ValueErrors naming the field', () => {
    const s = config.settings[0]!;
    expect(() => sweepCells({ ...config, replications: 0 })).toThrow(/replications/);
    expect(() => sweepCells({ ...config, settings: [s, s] })).toThrow(/two settings are named 'softmax'/);
    expect(() => sweepCells({ ...config, settings: [{ ...s, name: 'a/b' }] })).toThrow(ValueError);
    expect(() => sweepCells({ ...config, settings: [{ ...s, experts: 1 }] })).toThrow(/experts must be an integer >= the true k = 2/);
    expect(() => sweepCells({ ...config, settings: [{ ...s, sizes: [10, 10] }] })).toThrow(/twice/);
    expect(() => runCell(config, { ...sweepCells(config)[0]!, setting: 'nope' })).toThrow(/no setting named 'nope'/);
  });
});
