import { describe, expect, test } from 'vitest';
import { chooseMatmulConfig } from './backend/webgpu/autotune.js';
import { configKey } from './backend/webgpu/kernels/matmul.js';
import type { WebGPUBackend } from './backend/webgpu/webgpu-backend.js';
import { testBackends } from './test-util/backends.js';
import { autotuneMatmul, classCandidates } from './tune.js';

const gpu = (await testBackends()).find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;

describe('classCandidates', () => {
  const keys = (cls: Parameters<typeof classCandidates>[0], isSoftware: boolean) => classCandidates(cls, isSoftware).map((c) => configKey(c));
  test('a CPU-emulated adapter never times the workgroup-memory tiles (barriers make them slow there)', () => {
    for (const cls of ['skinny', 'matvec', 'small', 'large'] as const) {
      expect(keys(cls, true).filter((k) => k.startsWith('smem'))).toEqual([]);
      expect(keys(cls, true)).toContain('8x8/8x8/A1B4');
    }
  });
  test('a hardware adapter times them in every class; dot kernels only for matvec', () => {
    for (const cls of ['skinny', 'matvec', 'small', 'large'] as const) {
      expect(keys(cls, false)).toEqual(expect.arrayContaining(['smem64x64/k16/4x4', 'smem128x64/k16/8x4']));
      expect(keys(cls, false).some((k) => k.startsWith('dot'))).toBe(cls === 'matvec');
    }
  });
});

// The tuner is timed on the webgpu backend only; without an adapter testBackends says so (and fails under CI).
describe.runIf(gpu)('autotuneMatmul', () => {
  test('times every candidate of a class, keeps the fastest, reports the untuned default, restores the override', async () => {
    const backend = gpu!;
    const before = { config: backend.matmulConfig, tuned: { ...backend.tuned } };
    try {
      const [r] = await autotuneMatmul(backend, { classes: ['small'], reps: 1, save: false });
      expect(r!.shapeClass).toBe('small');
      expect(r!.shape).toEqual([128, 128, 128]);
      const times = r!.candidates.map((c) => c.ms);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      for (const ms of times) expect(ms).toBeGreaterThan(0);
      // Every tile candidate once (no dot kernels outside the matvec class), the fastest chosen.
      expect(new Set(r!.candidates.map((c) => c.config)).size).toBe(r!.candidates.length);
      expect(r!.candidates.some((c) => c.config.startsWith('dot'))).toBe(false);
      // Workgroup-memory tiles are timed on hardware adapters only.
      expect(r!.candidates.some((c) => c.config.startsWith('smem'))).toBe(!backend.isSoftware);
      expect(r!.best).toBe(r!.candidates[0]!.config);
      expect(r!.untuned).toBe(configKey(chooseMatmulConfig(128, 128, 128, 1, {}, backend.isSoftware)));
      expect(r!.candidates.map((c) => c.config)).toContain(r!.untuned);
      // The choice is now the backend's for that class; the explicit override is back as it was.
      expect(backend.tuned.small).toBe(r!.best);
      expect(backend.matmulConfig).toBe(before.config);
    } finally {
      backend.tuned = before.tuned;
    }
  });

  test('splitK compares the configuration the shape gets, unsplit and split', async () => {
    const backend = gpu!;
    const before = { ...backend.tuned };
    try {
      const [r] = await autotuneMatmul(backend, { classes: ['splitK'], reps: 1, save: false });
      expect(r!.candidates).toHaveLength(2);
      expect(r!.candidates.filter((c) => c.config.endsWith('/splitK'))).toHaveLength(1);
      expect(r!.best).toBe(r!.candidates[0]!.config.endsWith('/splitK') ? 'on' : 'off');
      expect(r!.untuned).toBe('on');
    } finally {
      backend.tuned = before;
    }
  });
});
