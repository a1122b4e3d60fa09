import { initBackend, type Backend } from '@nonlinear/tensor';

let announced = false;

/**
 * The backends a test file runs on: always cpu; webgpu when an adapter exists. Under CI=true a
 * missing adapter fails the run (the webgpu path must really be exercised there); elsewhere
 * the skip is announced loudly, never silent. (A copy of @nonlinear/tensor's helper: packages
 * never import each other's tests.)
 */
export async function testBackends(): Promise<Backend[]> {
  const cpu = await initBackend('cpu');
  try {
    const gpu = await initBackend('webgpu');
    if (!announced) {
      console.log(`[nonlinear tests] webgpu adapter: ${gpu.description}`);
      announced = true;
    }
    return [cpu, gpu];
  } catch (e) {
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`CI=true but the webgpu backend could not start: ${(e as Error).message}`);
    }
    console.warn(`[nonlinear tests] WEBGPU TESTS SKIPPED: no adapter (${(e as Error).message})`);
    return [cpu];
  }
}
