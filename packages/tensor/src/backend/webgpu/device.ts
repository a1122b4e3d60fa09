import { BackendError } from '../../errors.js';
import { isNode, nodeImport } from '../../node.js';

/** What the runtime found: the device and a description of the adapter it came from. */
export interface GpuContext {
  /** The device, created with the adapter's largest buffer limits. */
  readonly device: GPUDevice;
  /** What the adapter says about itself. */
  readonly adapterInfo: GPUAdapterInfo;
  /** Vendor, architecture, device and driver description joined: the key of tuned configurations. */
  readonly description: string;
  /** True on CPU-emulated adapters (lavapipe, SwiftShader). */
  readonly isSoftware: boolean;
}

const HOLD = Symbol.for('nonlinear.webgpu.gpu');

const HOW_TO_GET_AN_ADAPTER =
  'On Linux without a GPU install a Vulkan driver: Mesa lavapipe 25.x from Debian bookworm-backports ' +
  '(apt-get install -t bookworm-backports mesa-vulkan-drivers), or run the set-up script scripts/setup.sh; ' +
  "in a browser enable WebGPU; or pick the cpu backend with setBackend('cpu') or NONLINEAR_BACKEND=cpu.";

/**
 * The GPU entry point: `navigator.gpu` where it exists (browsers, Deno), otherwise Dawn's node
 * bindings, loaded only in Node. Dawn shuts down if the object `create()` returns is garbage
 * collected while a device lives (the process then crashes or hangs), so it is pinned on
 * globalThis for the life of the process.
 */
export async function getGpu(): Promise<GPU> {
  const g = globalThis as Record<PropertyKey, unknown>;
  if (g[HOLD]) return g[HOLD] as GPU;
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) {
    g[HOLD] = nav.gpu;
    return nav.gpu;
  }
  if (!isNode()) throw new BackendError(`webgpu: navigator.gpu is not available in this environment. ${HOW_TO_GET_AN_ADAPTER}`);
  // Mesa warns on every start when XDG_RUNTIME_DIR is unset; give it a harmless value.
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
  let dawn: { create: (options: string[]) => GPU; globals: object };
  try {
    dawn = await nodeImport<typeof dawn>('webgpu');
  } catch (e) {
    throw new BackendError(`webgpu: could not load Dawn's node bindings (npm package "webgpu"): ${(e as Error).message}`);
  }
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  const gpu = dawn.create([]);
  g[HOLD] = gpu;
  return gpu;
}

export function describeAdapter(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length ? parts.join(' / ') : 'unknown adapter';
}

export function isSoftwareAdapter(info: GPUAdapterInfo): boolean {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return text.includes('llvmpipe') || text.includes('lavapipe') || text.includes('swiftshader');
}

/** Requests an adapter and a device with the adapter's largest buffer and binding limits. */
export async function requestGpu(): Promise<GpuContext> {
  const gpu = await getGpu();
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    throw new BackendError(`webgpu: requestAdapter failed: ${(e as Error).message}. ${HOW_TO_GET_AN_ADAPTER}`);
  }
  if (!adapter) throw new BackendError(`webgpu: no WebGPU adapter found. ${HOW_TO_GET_AN_ADAPTER}`);
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      // Fused kernels bind one buffer per operand (a KAN basis with its grids, a PolyCom
      // activation with its coefficients): take what the adapter offers (16 on lavapipe), not 8.
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  const info = adapter.info;
  return { device, adapterInfo: info, description: describeAdapter(info), isSoftware: isSoftwareAdapter(info) };
}
