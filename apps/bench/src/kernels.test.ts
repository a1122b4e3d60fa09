import { describe, expect, test } from 'vitest';
import { defaults } from './options.js';
import { makeKernelsSuite, summarizeKernels } from './suites/kernels.js';
import type { UnitRecord } from './suite.js';

const suite = makeKernelsSuite();

describe('kernels suite: the matmul autotuner', () => {
  test('runs only when asked for, once, before every measurement, and only with the webgpu backend', () => {
    const base = defaults(suite.options, 'quick');
    expect(base.ops).not.toContain('autotune');
    const ids = (ops: string[], backends: ('webgpu' | 'cpu')[]) =>
      suite.units({ ...base, ops, peers: ['none'] } as never, { mode: 'quick', backends, seeds: 2 }).map((u) => u.id);
    const withTune = ids(['autotune', 'matmul'], ['webgpu', 'cpu']);
    expect(withTune[0]).toBe('webgpu/autotune');
    expect(withTune.filter((id) => id.includes('autotune'))).toHaveLength(1);
    expect(ids(['autotune', 'matmul'], ['cpu']).some((id) => id.includes('autotune'))).toBe(false);
    expect(ids(['matmul'], ['webgpu']).some((id) => id.includes('autotune'))).toBe(false);
  });

  test('the report sets the choice of each class beside its untuned default', () => {
    const tuned = [
      { shapeClass: 'skinny', shape: [1, 2048, 1024], best: '1x4/64x1/A1B4', untuned: '1x8/32x1/A1B4', candidates: [{ config: '1x4/64x1/A1B4', ms: 4 }, { config: '1x8/32x1/A1B4', ms: 10 }, { config: '4x4/16x16/A1B1', ms: 16 }] },
      { shapeClass: 'splitK', shape: [64, 64, 16384], best: 'off', untuned: 'on', candidates: [{ config: '8x8/8x8/A1B4', ms: 5 }, { config: '8x8/8x8/A1B4/splitK', ms: 20 }] },
    ];
    const record: UnitRecord = {
      suite: 'kernels',
      unit: 'webgpu/autotune',
      params: {},
      elapsedMs: 1,
      finishedAt: '',
      data: { backend: 'webgpu', workload: 'autotune', kind: 'autotune', adapter: 'gpu', reps: 3, autotune: tuned, loadavg1: 0.5, cores: 16 },
    };
    expect(suite.brief!(record.data, { id: 'webgpu/autotune', params: {} })).toBe('tuned: skinny 1x4/64x1/A1B4, splitK off');
    const s = summarizeKernels([record], 3, 1, ['webgpu']);
    const table = s.tables.find((t) => t.title === 'Matmul autotune (this adapter)')!;
    expect(table.rows).toEqual([
      ['skinny', '1×1024×2048', '1x4/64x1/A1B4', '4', '1x8/32x1/A1B4', '10', '2.5', '16', '3'],
      ['splitK', '64×16384×64', 'off', '5', 'on', '20', '4', '20', '2'],
    ]);
    // The autotune record is not a workload: no row of the kernels table comes from it.
    expect(s.rows).toEqual([]);
  });
});
