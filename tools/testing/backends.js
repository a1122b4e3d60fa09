// The backends every package's tests run on, in one place: always cpu; webgpu when an adapter
// exists. Under CI=true a missing adapter fails the run (the webgpu path must really be
// exercised there); elsewhere the skip is announced loudly, never silent. Plain JavaScript so
// each package's tests can import it by relative path without widening its tsconfig.

let announced = false;

/**
 * @template B
 * @param {(name: 'cpu' | 'webgpu') => Promise<B & { description: string }>} initBackend the tensor package's initBackend
 * @returns {Promise<B[]>}
 */
export async function testBackends(initBackend) {
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
      throw new Error(`CI=true but the webgpu backend could not start: ${e instanceof Error ? e.message : String(e)}`);
    }
    console.warn(`[nonlinear tests] WEBGPU TESTS SKIPPED: no adapter (${e instanceof Error ? e.message : String(e)})`);
    return [cpu];
  }
}
