import { describe, expect, test } from 'vitest';
import { chooseMatmulConfig } from './backend/webgpu/autotune.js';
import { configKey } from './backend/webgpu/kernels/matmul.js';
import type { WebGPUBackend } from './backend/webgpu/webgpu-backend.js';
import { testBackends } from './test-util/backends.js';
import { autotuneMatmul } from './tune.js';

const gpu = (await testBackends()).find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;

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
