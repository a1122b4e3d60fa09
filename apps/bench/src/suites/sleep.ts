/**
 * A test-only suite: units just wait a few milliseconds and return deterministic records, so
 * tests can kill a run mid-way, resume it, shard it and merge it in seconds. Registered only
 * when NONLINEAR_BENCH_TEST_SUITES=1.
 */
import { bandStats, lineBand, logLogScatter } from '../figures.js';
import { fmt } from '../stats.js';
import { defineSuite } from '../suite.js';

/** A deterministic pseudo-random number in [0, 1) from two integers (a hash, not an RNG). */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return (h >>> 0) / 2 ** 32;
}

export const sleepSuite = defineSuite({
  name: 'sleep',
  description: 'test-only: each unit sleeps --ms and returns a deterministic fake loss value',
  hidden: true,
  usesBackends: false,
  options: {
    steps: { type: 'int', min: 1, max: 100000, default: 20, quick: 6, description: 'units per seed' },
    ms: { type: 'int', min: 0, max: 60000, default: 20, quick: 5, description: 'how long each unit sleeps, ms' },
    curve: { type: 'enum', values: ['power', 'flat'] as const, default: 'power', description: 'shape of the fake loss curve' },
    plots: { type: 'boolean', default: false, description: 'draw the figures (off by default: rendering costs a second, and most tests do not look)' },
  },
  units(o, common) {
    const units = [];
    for (let seed = 0; seed < common.seeds; seed++) {
      for (let step = 0; step < o.steps; step++) units.push({ id: `seed-${seed}/step-${step}`, params: { seed, step } });
    }
    return units;
  },
  async run(unit, { options: o }) {
    await new Promise((r) => setTimeout(r, o.ms));
    const seed = unit.params.seed as number;
    const step = unit.params.step as number;
    const noise = 0.1 * (hash01(seed, step) - 0.5);
    const loss = o.curve === 'power' ? (1 + noise) / Math.sqrt(step + 1) : 1 + noise;
    return { seed, step, loss };
  },
  brief(record) {
    return `loss ${fmt(record.loss as number)}`;
  },
  summarize(records, o) {
    const points = records.map((r) => ({ x: (r.data.step as number) + 1, y: r.data.loss as number, seed: r.data.seed as number, series: 'sleep' }));
    const stats = bandStats(points);
    const { spec, fits } = logLogScatter(points, { title: 'Fake loss against step', xTitle: 'step', yTitle: 'loss' });
    return {
      rows: records.map((r) => ({ unit: r.unit, seed: r.data.seed as number, step: r.data.step as number, loss: r.data.loss as number })),
      tables: [
        {
          title: 'Loss by step (mean ± std over seeds)',
          columns: ['step', 'mean', 'std', 'seeds'],
          rows: stats.map((s) => [s.x, fmt(s.mean), fmt(s.std), s.seeds]),
        },
      ],
      figures: !o.plots ? [] : [
        { name: 'loss', title: 'Loss curve with seed band', spec: lineBand(points, { title: 'Fake loss', xTitle: 'step', yTitle: 'loss', seriesTitle: 'run' }) },
        { name: 'loss-loglog', title: 'Loss against step, log-log', spec },
      ],
      notes: `Test-only suite. Fitted slope ${fits[0] ? fmt(fits[0].slope) : 'n/a'} (the power curve has slope -0.5 up to noise).`,
    };
  },
});
