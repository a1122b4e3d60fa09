/**
 * Loads the peers of the kernels suite, once per process each, and never throws: a peer that
 * cannot be imported or started comes back as `{ ok: false, reason }`, which the suite records
 * as absent (the run goes on). Everything that touches the outside (module import, module
 * paths, package versions, Python interpreters) is injectable, for tests.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadOrt } from './ort.js';
import { loadTfjs, type Importer } from './tfjs.js';
import { loadTorch, pythonCandidates } from './torch.js';
import { errorText, type PeerName, type PeerStatus } from './types.js';

export interface PeerLoaderDeps {
  /** Imports a module by name (default: dynamic import from the bench). */
  importer?: Importer;
  /** The path of a package's main file (default: require.resolve from the bench). */
  resolve?: (specifier: string) => string;
  /** A package's version, or null (default: its package.json). */
  version?: (pkg: string) => string | null;
  /** Python interpreters to try for torch (default: pythonCandidates()). */
  python?: string[];
  /** The Python timing script (default: python/torch_kernels.py). */
  torchScript?: string;
}

/** What a load needs from the running suite. */
export interface LoadContext {
  /** Starts our webgpu backend (tfjs-webgpu shares its Dawn instance). */
  startWebgpu(): Promise<void>;
  /** tfjs-webgpu's WEBGPU_CPU_FORWARD flag. */
  tfjsCpuForward: boolean;
}

export interface PeerLoader {
  load(name: PeerName, ctx: LoadContext): Promise<PeerStatus>;
}

const require = createRequire(import.meta.url);

function packageVersion(pkg: string): string | null {
  try {
    // The packages have no "exports" map, so package.json resolves; fall back to walking up from main.
    let dir = dirname(require.resolve(pkg));
    for (;;) {
      try {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (json.name === pkg) return json.version ?? null;
      } catch {
        // no package.json here
      }
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  } catch {
    return null;
  }
}

export function createPeerLoader(deps: PeerLoaderDeps = {}): PeerLoader {
  const importer: Importer = deps.importer ?? ((s) => import(/* @vite-ignore */ s));
  const resolve = deps.resolve ?? ((s: string) => require.resolve(s));
  const version = deps.version ?? packageVersion;
  const cache = new Map<PeerName, Promise<PeerStatus>>();
  // The tfjs peers share one tfjs-core engine: load them one at a time.
  let tfjsChain: Promise<unknown> = Promise.resolve();

  const loadOne = async (name: PeerName, ctx: LoadContext): Promise<PeerStatus> => {
    try {
      switch (name) {
        case 'tfjs-webgpu':
        case 'tfjs-wasm':
        case 'tfjs-cpu': {
          const p = tfjsChain.then(() => loadTfjs(name, { importer, resolve, version, startWebgpu: ctx.startWebgpu, cpuForward: ctx.tfjsCpuForward }));
          tfjsChain = p.catch(() => {});
          return { ok: true, peer: await p };
        }
        case 'ort-cpu':
          return { ok: true, peer: await loadOrt({ importer, version }) };
        case 'torch-cpu':
        case 'torch-cuda':
          return {
            ok: true,
            peer: await loadTorch({ candidates: deps.python ?? pythonCandidates(), device: name === 'torch-cpu' ? 'cpu' : 'cuda', ...(deps.torchScript ? { script: deps.torchScript } : {}) }),
          };
      }
    } catch (e) {
      return { ok: false, name, reason: errorText(e) };
    }
  };

  return {
    load(name, ctx) {
      let p = cache.get(name);
      if (!p) {
        p = loadOne(name, ctx);
        cache.set(name, p);
      }
      return p;
    },
  };
}
