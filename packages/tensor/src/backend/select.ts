import { BackendError } from '../errors.js';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/cpu-backend.js';
import { WebGPUBackend } from './webgpu/webgpu-backend.js';

/** A backend by name. */
export type BackendName = 'webgpu' | 'cpu';
/** A backend, or `auto`: webgpu when an adapter exists, else cpu. */
export type BackendChoice = BackendName | 'auto';

const ready = new Map<BackendName, Backend>();
const pending = new Map<BackendName, Promise<Backend>>();
let current: Backend | null = null;

/**
 * The one cpu backend of the process, shared by initBackend, getBackend and backendByName: a
 * second instance would make tensors on "the" cpu backend refuse to mix (DeviceMismatchError).
 */
function cpuBackend(): Backend {
  let b = ready.get('cpu');
  if (!b) {
    b = new CpuBackend();
    ready.set('cpu', b);
  }
  return b;
}

function envChoice(): string | undefined {
  return typeof process !== 'undefined' ? process.env?.NONLINEAR_BACKEND : undefined;
}

function checkChoice(choice: string): asserts choice is BackendChoice {
  if (choice !== 'webgpu' && choice !== 'cpu' && choice !== 'auto') {
    throw new BackendError(`setBackend: unknown backend "${choice}" (expected one of: webgpu, cpu, auto)`);
  }
}

/** Starts (once) and returns a backend by name, without making it the default. */
export async function initBackend(name: BackendName): Promise<Backend> {
  // Checked here because any name other than 'cpu' would otherwise start webgpu.
  if (name !== 'webgpu' && name !== 'cpu') {
    throw new BackendError(`initBackend: unknown backend "${String(name)}" (expected webgpu or cpu)`);
  }
  if (name === 'cpu') return cpuBackend();
  const have = ready.get(name);
  if (have) return have;
  let p = pending.get(name);
  if (!p) {
    p = WebGPUBackend.create();
    pending.set(name, p);
    p.then(
      (b) => ready.set(name, b),
      () => pending.delete(name),
    );
  }
  const b = await p;
  ready.set(name, b);
  return b;
}

/**
 * Chooses the default backend for new tensors: `webgpu`, `cpu`, or `auto` (webgpu when an
 * adapter exists, else cpu with a one-line warning). Without an argument it reads the
 * NONLINEAR_BACKEND environment variable, defaulting to auto.
 */
export async function setBackend(choice: BackendChoice | string = envChoice() ?? 'auto'): Promise<Backend> {
  checkChoice(choice);
  if (choice === 'auto') {
    try {
      current = await initBackend('webgpu');
    } catch (e) {
      console.warn(`nonlinear: no WebGPU adapter (${(e as Error).message.split('. ')[0]}); using the cpu backend`);
      current = await initBackend('cpu');
    }
  } else {
    current = await initBackend(choice);
  }
  return current;
}

/**
 * The default backend. Until setBackend() runs it is the cpu backend, unless
 * NONLINEAR_BACKEND asks for webgpu, which needs `await setBackend()` first (adapters are async).
 */
export function getBackend(): Backend {
  if (current) return current;
  const env = envChoice();
  if (env === 'webgpu') {
    throw new BackendError("NONLINEAR_BACKEND=webgpu: call `await setBackend()` once before creating tensors (WebGPU starts asynchronously)");
  }
  current = cpuBackend();
  return current;
}

/**
 * A started backend by name; webgpu must have been started with initBackend or setBackend.
 * `op` names the caller in errors (creation ops pass their own name for a bad `device` option).
 */
export function backendByName(name: BackendName | string, op = 'backendByName'): Backend {
  if (name !== 'webgpu' && name !== 'cpu') throw new BackendError(`${op}: unknown device "${name}" (expected webgpu or cpu)`);
  if (name === 'cpu') return cpuBackend();
  const b = ready.get(name);
  if (b) return b;
  throw new BackendError(`${op}: device 'webgpu' is not started: call \`await initBackend('webgpu')\` or \`await setBackend('webgpu')\` first`);
}

/**
 * Waits until a backend (the current one by default) has finished all submitted work. Ops only
 * record work on webgpu; a long loop that never reads a value should await this now and then.
 */
export async function sync(device?: Backend | BackendName): Promise<void> {
  const b = device === undefined ? getBackend() : typeof device === 'string' ? backendByName(device, 'sync') : device;
  await b.sync?.();
}
