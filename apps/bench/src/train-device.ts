/** The backend a training run of the studies resolves 'auto' to. */
import type { Backend } from '@nonlinear/tensor';
import type { BackendName } from './suite.js';

/** What `trainDevice` needs of a suite's run context. */
export interface DeviceContext {
  backend(name: BackendName): Promise<Backend>;
  common: { backends: BackendName[] };
}

/**
 * The device a training run uses: a named backend as it is; 'auto' is webgpu on a hardware
 * adapter, else cpu. On a software adapter (lavapipe) the studies' small models train several
 * times slower than on the cpu backend (per-dispatch cost dominates), and without an adapter
 * there is only cpu.
 */
export async function trainDevice(backend: BackendName | 'auto', ctx: DeviceContext): Promise<Backend> {
  if (backend !== 'auto') return ctx.backend(backend);
  if (!ctx.common.backends.includes('webgpu')) return ctx.backend('cpu');
  const gpu = await ctx.backend('webgpu');
  return (gpu as { isSoftware?: boolean }).isSoftware ? ctx.backend('cpu') : gpu;
}
