import { describe, expect, test } from 'vitest';
import { markdownTable } from './report.js';
import { defaults } from './options.js';
import { createPeerLoader, type LoadContext } from './peers/loader.js';
import { oneNodeModel } from './peers/ort.js';
import { PEERS, randnArray } from './peers/types.js';
import { makeKernelsSuite, summarizeKernels } from './suites/kernels.js';
import type { RunContext, Unit, UnitRecord } from './suite.js';

const noWebgpu: LoadContext = {
  startWebgpu: () => Promise.reject(new Error('webgpu: no WebGPU adapter found')),
  tfjsCpuForward: false,
};

/** A loader on which every import fails the way a missing package does, and no Python exists. */
function failingLoader() {
  const imported: string[] = [];
  const loader = createPeerLoader({
    importer: async (s) => {
      imported.push(s);
      throw new Error(`Cannot find package '${s}' imported from /x/dist/peers/loader.js`);
    },
    python: ['/nonexistent/bin/python3'],
  });
  return { loader, imported };
}

describe('peer loader', () => {
  test('peers that cannot be imported or started are reported absent with the reason, never thrown', async () => {
    const { loader, imported } = failingLoader();
    const got = await Promise.all(PEERS.map((p) => loader.load(p, noWebgpu)));
    for (const s of got) expect(s.ok).toBe(false);
    const reason = Object.fromEntries(got.map((s) => [s.ok ? s.peer.name : s.name, s.ok ? '' : s.reason]));
    expect(reason['tfjs-webgpu']).toMatch(/^our webgpu backend did not start, so there is no shared Dawn instance: webgpu: no WebGPU adapter found$/);
    expect(reason['tfjs-wasm']).toMatch(/^import @tensorflow\/tfjs-core failed: Cannot find package '@tensorflow\/tfjs-core'/);
    expect(reason['tfjs-cpu']).toMatch(/^import @tensorflow\/tfjs-core failed/);
    expect(reason['ort-cpu']).toMatch(/^import onnxruntime-node failed: Cannot find package 'onnxruntime-node'/);
    expect(reason['torch-cpu']).toMatch(/^no python3 with torch: \/nonexistent\/bin\/python3: .*ENOENT/);
    expect(reason['torch-cuda']).toMatch(/^no python3 with torch on CUDA: \/nonexistent\/bin\/python3: .*ENOENT/);
    // Loaded once per process: asking again answers from the cache without importing again.
    const before = imported.length;
    expect(await loader.load('tfjs-cpu', noWebgpu)).toEqual(got[PEERS.indexOf('tfjs-cpu')]);
    expect(imported.length).toBe(before);
  });

  test('a backend module that imports but does not register is absent too', async () => {
    const loader = createPeerLoader({
      importer: async (s) => (s === '@tensorflow/tfjs-core' ? { engine: () => ({ registryFactory: {} }) } : {}),
    });
    const s = await loader.load('tfjs-cpu', noWebgpu);
    expect(s).toEqual({ ok: false, name: 'tfjs-cpu', reason: '@tensorflow/tfjs-backend-cpu did not register the "cpu" backend' });
  });

  test('the kernels suite records an absent peer as a record with the reason, and the report says so', async () => {
    const { loader } = failingLoader();
    const suite = makeKernelsSuite(loader);
    const options = { ...defaults(suite.options, 'quick'), reps: 2, warmup: 0 } as never;
    const common = { mode: 'quick' as const, backends: ['cpu' as const], seeds: 1 };
    const units = suite.units(options, common);
    // No webgpu backend in the run: no tfjs-webgpu units; ONNX Runtime gets no chains.
    expect(units.some((u) => u.id.startsWith('tfjs-webgpu/') || u.id.startsWith('torch-cuda/'))).toBe(false);
    expect(units.some((u) => u.id.startsWith('ort-cpu/overhead'))).toBe(false);
    expect(units.filter((u) => u.id.includes('chain8-fused')).map((u) => u.id)).toEqual(['cpu/chain8-fused-1048576/seed-0']);
    const logs: string[] = [];
    const ctx: RunContext = { options, backend: () => Promise.reject(new Error('not used')), log: (m) => logs.push(m), common };
    const peerUnits = units.filter((u) => u.id.endsWith('/matmul-256/seed-0') && u.id !== 'cpu/matmul-256/seed-0');
    expect(peerUnits.map((u) => u.id)).toEqual(['tfjs-wasm/matmul-256/seed-0', 'tfjs-cpu/matmul-256/seed-0', 'ort-cpu/matmul-256/seed-0', 'torch-cpu/matmul-256/seed-0']);
    const records: UnitRecord[] = [];
    for (const u of peerUnits as Unit[]) {
      const data = await suite.run(u, ctx as never);
      expect(data).toMatchObject({ backend: u.params.backend, peer: true, status: 'absent' });
      expect(suite.brief!(data, u)).toMatch(/^absent: /);
      records.push({ suite: 'kernels', unit: u.id, params: u.params, data, elapsedMs: 1, finishedAt: '' });
    }
    // Beside one real record of ours.
    records.unshift({
      suite: 'kernels',
      unit: 'cpu/matmul-256/seed-0',
      params: {},
      elapsedMs: 1,
      finishedAt: '',
      data: { backend: 'cpu', workload: 'matmul-256', kind: 'matmul', metric: 'GFLOP/s', samples: [1, 2, 3], medianMs: 30, work: 2 * 256 ** 3, higherIsBetter: true, peer: false, loadavg1: 1.5, cores: 2 },
    });
    const s = summarizeKernels(records, 2, 0, ['cpu']);
    const byTitle = Object.fromEntries(s.tables.map((t) => [t.title, t]));
    expect(byTitle.Kernels!.rows).toEqual([['matmul-256', 'GFLOP/s', '2', 'absent', 'absent', 'absent', 'absent']]);
    const peers = markdownTable(byTitle.Peers!);
    expect(peers).toMatch(/\| tfjs-cpu \| absent \|  \|  \| import @tensorflow\/tfjs-core failed: Cannot find package/);
    expect(peers).toMatch(/\| torch-cpu \| absent \|  \|  \| no python3 with torch: /);
    // Targets without the measurements: stated, not invented.
    expect(byTitle.Targets!.rows.map((r) => r[3])).toEqual([
      'not measured: add 1024 to --matmul-sizes',
      'not measured: needs --ops fusion on the webgpu backend',
      'not measured: needs --ops overhead on our webgpu and tfjs-webgpu (or a per-op cost lost in the noise: a non-positive value)',
    ]);
    expect(byTitle.Targets!.caption).toMatch(/1-minute load average while the units started: [\d.]+ to [\d.]+ on \d+ cores/);
    expect(s.rows.find((r) => r.backend === 'ort-cpu')).toMatchObject({ status: 'absent', median: null, peer: true });
  });
});

describe('peers, for real (devDependencies of the bench)', () => {
  test('onnxruntime-node runs one-node models built here on its CPU execution provider (its install script is skipped)', async () => {
    const s = await createPeerLoader().load('ort-cpu', noWebgpu);
    if (!s.ok) throw new Error(s.reason);
    expect(s.peer.version).toMatch(/^onnxruntime-node \d+\.\d+\.\d+$/);
    for (const kind of ['matmul', 'softmax', 'layernorm'] as const) {
      const shape = kind === 'matmul' ? [8, 16, 4] : [4, 8];
      const t = await s.peer.measure({ kind, shape, seed: 0 }, 2, 1);
      expect(t.timesMs).toHaveLength(2);
      for (const ms of t.timesMs) expect(ms).toBeGreaterThan(0);
    }
  });

  test('the ONNX bytes are a valid model: MatMul gives the right numbers', async () => {
    type Ort = {
      InferenceSession: { create(m: Uint8Array): Promise<{ run(f: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: number[] }>> }> };
      Tensor: new (t: string, d: Float32Array, dims: number[]) => unknown;
    };
    const mod = (await import('onnxruntime-node')) as unknown as Ort & { default?: Ort };
    const ort = mod.InferenceSession ? mod : mod.default!;
    const a = randnArray(6, 1);
    const b = randnArray(12, 2);
    const session = await ort.InferenceSession.create(oneNodeModel('MatMul', [{ name: 'A', dims: [2, 3] }, { name: 'B', dims: [3, 4] }], { name: 'Y', dims: [2, 4] }, 13));
    const y = (await session.run({ A: new ort.Tensor('float32', a, [2, 3]), B: new ort.Tensor('float32', b, [3, 4]) })).Y!;
    expect(y.dims).toEqual([2, 4]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        let acc = 0;
        for (let k = 0; k < 3; k++) acc += a[i * 3 + k]! * b[k * 4 + j]!;
        expect(y.data[i * 4 + j]).toBeCloseTo(acc, 5);
      }
    }
  });

  test('torch-cuda times on a CUDA device where torch sees one, and is absent with the reason otherwise', async () => {
    const s = await createPeerLoader().load('torch-cuda', noWebgpu);
    if (s.ok) {
      expect(s.peer.name).toBe('torch-cuda');
      expect(s.peer.detail).toMatch(/CUDA device /);
      const t = await s.peer.measure({ kind: 'overhead', shape: [16], chain: 4, seed: 0 }, 2, 1);
      expect(t.timesMs).toHaveLength(2);
      expect(t.baselineTimesMs).toHaveLength(2);
    } else {
      // Without torch at all, or with a torch that has no CUDA device (a CPU build, or no GPU).
      expect(s.reason).toMatch(/^no python3 with torch on CUDA: .*(ENOENT|No module named 'torch'|sees no CUDA device)/);
    }
  });

  test('TensorFlow.js cpu loads from the package and times a workload', async () => {
    const s = await createPeerLoader().load('tfjs-cpu', noWebgpu);
    if (!s.ok) throw new Error(s.reason);
    expect(s.peer.version).toMatch(/^@tensorflow\/tfjs-core \d+\.\d+\.\d+, @tensorflow\/tfjs-backend-cpu \d+\.\d+\.\d+$/);
    const t = await s.peer.measure({ kind: 'overhead', shape: [16], chain: 4, seed: 0 }, 2, 0);
    expect(t.timesMs).toHaveLength(2);
    expect(t.baselineTimesMs).toHaveLength(2);
  });
});
