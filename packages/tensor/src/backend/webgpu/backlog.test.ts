import { expect, test } from 'vitest';
import * as T from '../../index.js';
import { testBackends } from '../../test-util/backends.js';
import type { WebGPUBackend } from './webgpu-backend.js';

const backends = await testBackends();
const gpu = backends.find((b) => b.name === 'webgpu') as WebGPUBackend | undefined;

test.skipIf(!gpu)('work queued without waiting raises BacklogError, and sync() drains it', async () => {
  const saved = gpu!.maxInFlight;
  gpu!.maxInFlight = 2;
  const x = T.randn([1 << 20], { device: gpu! });
  try {
    // Each op on a million floats keeps lavapipe busy for milliseconds; 128 of them fill a batch.
    expect(() => {
      for (let i = 0; i < 2000; i++) T.tidy(() => x.mul(1.0001));
    }).toThrow(T.BacklogError);
    await T.sync(gpu!);
    expect(() => T.tidy(() => x.mul(2))).not.toThrow();
    expect((await x.mul(2).index([0, 1]).data()).length).toBe(1);
  } finally {
    gpu!.maxInFlight = saved;
    x.dispose();
  }
}, 120_000);
