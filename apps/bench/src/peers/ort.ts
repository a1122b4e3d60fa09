/**
 * ONNX Runtime (onnxruntime-node, CPU execution provider) as a peer: each workload is a
 * one-node ONNX model (MatMul, Neg, Add, Softmax, LayerNormalization) built in memory here, as
 * protobuf bytes written by hand (no file, no network). Session creation is not timed; each
 * timed call is one `session.run`, whose outputs are already in host memory.
 *
 * onnxruntime-node's install script only fetches CUDA/TensorRT files and is skipped here
 * (`onnxruntime-node: false` under allowBuilds in pnpm-workspace.yaml); the CPU binaries ship
 * in the npm package.
 */
import { cpus } from 'node:os';
import type { Importer } from './tfjs.js';
import { errorText, randnArray, timeRepeated, type Peer, type Timings, type Workload } from './types.js';

// --- a minimal protobuf writer, enough for onnx.ModelProto ---

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const fieldInt = (field: number, n: number): number[] => [...varint((field << 3) | 0), ...varint(n)];
const fieldBytes = (field: number, bytes: readonly number[]): number[] => [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
const fieldString = (field: number, s: string): number[] => fieldBytes(field, [...new TextEncoder().encode(s)]);

/** onnx.TensorProto.DataType.FLOAT */
const FLOAT = 1;

/** ValueInfoProto { name = 1; type = 2 { tensor_type = 1 { elem_type = 1; shape = 2 { dim = 1 { dim_value = 1 } } } } } */
function valueInfo(name: string, dims: readonly number[]): number[] {
  const shape = dims.flatMap((d) => fieldBytes(1, fieldInt(1, d)));
  const tensorType = [...fieldInt(1, FLOAT), ...fieldBytes(2, shape)];
  return [...fieldString(1, name), ...fieldBytes(2, fieldBytes(1, tensorType))];
}

export interface OnnxValue {
  name: string;
  dims: number[];
}

/**
 * The bytes of an ONNX model with one node: ModelProto { ir_version = 1; producer_name = 2;
 * graph = 7 { node = 1 { input = 1; output = 2; op_type = 4 }; name = 2; input = 11;
 * output = 12 }; opset_import = 8 { domain = 1; version = 2 } }.
 */
export function oneNodeModel(opType: string, inputs: readonly OnnxValue[], output: OnnxValue, opset: number): Uint8Array {
  const node = [...inputs.flatMap((i) => fieldString(1, i.name)), ...fieldString(2, output.name), ...fieldString(4, opType)];
  const graph = [
    ...fieldBytes(1, node),
    ...fieldString(2, 'nonlinear-bench'),
    ...inputs.flatMap((i) => fieldBytes(11, valueInfo(i.name, i.dims))),
    ...fieldBytes(12, valueInfo(output.name, output.dims)),
  ];
  return Uint8Array.from([...fieldInt(1, 8), ...fieldString(2, 'nonlinear-bench'), ...fieldBytes(7, graph), ...fieldBytes(8, [...fieldString(1, ''), ...fieldInt(2, opset)])]);
}

/** The model and inputs of a workload (null for the kinds ONNX Runtime does not run here). */
export function onnxWorkload(w: Workload): { model: Uint8Array; inputs: OnnxValue[] } | null {
  const one = (op: string, inputs: OnnxValue[], out: number[], opset = 13) => ({ model: oneNodeModel(op, inputs, { name: 'Y', dims: out }, opset), inputs });
  switch (w.kind) {
    case 'matmul': {
      const [m, k, n] = w.shape as [number, number, number];
      return one('MatMul', [{ name: 'A', dims: [m, k] }, { name: 'B', dims: [k, n] }], [m, n]);
    }
    case 'unary':
      return one('Neg', [{ name: 'X', dims: w.shape }], w.shape);
    case 'binary':
      return one('Add', [{ name: 'X', dims: w.shape }, { name: 'Z', dims: w.shape }], w.shape);
    case 'softmax': // opset 13: axis defaults to -1
      return one('Softmax', [{ name: 'X', dims: w.shape }], w.shape);
    case 'layernorm': {
      // opset 17: axis -1 and epsilon 1e-5 by default; ONE fused op (ours is composed).
      const cols = w.shape[1]!;
      return one('LayerNormalization', [{ name: 'X', dims: w.shape }, { name: 'Scale', dims: [cols] }, { name: 'B', dims: [cols] }], w.shape, 17);
    }
    default:
      return null;
  }
}

interface OrtTensor {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
/** The part of onnxruntime-node the bench uses. */
interface Ort {
  InferenceSession: { create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  env: { versions?: Record<string, string> };
}

export async function loadOrt(deps: { importer: Importer; version(pkg: string): string | null }): Promise<Peer> {
  let ort: Ort;
  try {
    const mod = (await deps.importer('onnxruntime-node')) as Ort & { default?: Ort };
    ort = mod.InferenceSession ? mod : mod.default!;
  } catch (e) {
    throw new Error(`import onnxruntime-node failed: ${errorText(e)}`);
  }
  const threads = cpus().length;
  const options = { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  // Proves the CPU execution provider works (its binaries ship in the package): [[1,2],[3,4]] @ [[5,6],[7,8]].
  try {
    const s = await ort.InferenceSession.create(oneNodeModel('MatMul', [{ name: 'A', dims: [2, 2] }, { name: 'B', dims: [2, 2] }], { name: 'Y', dims: [2, 2] }, 13), options);
    const r = await s.run({ A: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]), B: new ort.Tensor('float32', Float32Array.of(5, 6, 7, 8), [2, 2]) });
    const got = Array.from(r.Y!.data);
    await s.release?.();
    if (got.join(',') !== '19,22,43,50') throw new Error(`a 2x2 MatMul gave [${got.join(', ')}], expected [19, 22, 43, 50]`);
  } catch (e) {
    throw new Error(`onnxruntime-node's CPU execution provider does not work: ${errorText(e)}`);
  }
  return {
    name: 'ort-cpu',
    version: `onnxruntime-node ${deps.version('onnxruntime-node') ?? ort.env.versions?.node ?? '?'}`,
    detail: `CPU execution provider, ${threads} intra-op thread(s), graph optimization "all"; one-node models built in memory`,
    measure: async (w, reps, warmup): Promise<Timings> => {
      const spec = onnxWorkload(w);
      if (!spec) throw new Error(`onnxruntime peer does not run ${w.kind}`);
      const session = await ort.InferenceSession.create(spec.model, options);
      try {
        const feeds: Record<string, OrtTensor> = {};
        spec.inputs.forEach((v, i) => {
          const size = v.dims.reduce((a, b) => a * b, 1);
          feeds[v.name] = new ort.Tensor('float32', randnArray(size, w.seed * 1000 + i), v.dims);
        });
        const timesMs = await timeRepeated(reps, warmup, async () => {
          const t0 = performance.now();
          await session.run(feeds);
          return performance.now() - t0;
        });
        return { timesMs };
      } finally {
        await session.release?.();
      }
    },
  };
}
