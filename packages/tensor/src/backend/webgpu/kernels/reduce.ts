import type { DType } from '../../../dtype.js';
import type { ReduceOp, View } from '../../kernel.js';
import type { GpuBuffer } from '../pool.js';
import { LINEAR_INDEX, PRELUDE, metaDecl, storageType } from '../wgsl.js';
import { bindings, grid2d, type Program } from './program.js';

const WG = 64;
/**
 * Rows up to this long are folded by one invocation each, with no workgroup memory or barriers:
 * a workgroup per row of 8 elements left 56 of 64 invocations idle and paid a barrier tree per
 * row (on lavapipe a sum over the last dim of (64, 784, 8) took 2.4 s that way).
 */
export const SHORT_ROW = 64;

/**
 * One workgroup per output element: each invocation folds a strided share of the reduced
 * elements, then a tree in workgroup memory combines the shares (pairwise, so long sums keep
 * their accuracy). Arg-reductions carry (value, index) and prefer the lower index on ties.
 */
export function reduceProgram(op: ReduceOp, nOuterDims: number, x: View<GpuBuffer>, out: View<GpuBuffer>, maxPerDim: number, chunks = 1): Program {
  const outerShape = x.shape.slice(0, nOuterDims);
  const innerShape = x.shape.slice(nOuterDims);
  const no = outerShape.length;
  const ni = innerShape.length;
  const nOut = outerShape.reduce((a, b) => a * b, 1);
  const nIn = innerShape.reduce((a, b) => a * b, 1);
  // With chunks > 1 each workgroup folds one chunk of a row and `out` receives [nOut, chunks] partials.
  const chunk = Math.ceil(nIn / chunks);
  const meta = [nOut, nIn, x.offset, out.offset, ...outerShape, ...x.strides.slice(0, no), ...innerShape, ...x.strides.slice(no), chunk, chunks];
  const short = chunks === 1 && nIn <= SHORT_ROW;
  const source = reduceSource(op, x.dtype, out.dtype, no, ni, meta.length, short);
  const groups = short ? Math.ceil(nOut / WG) : nOut * chunks;
  return { source, meta, grid: grid2d(groups, maxPerDim), outputs: [out], inputs: [x] };
}

const cache = new Map<string, string>();

function reduceSource(op: ReduceOp, inType: DType, outType: DType, no: number, ni: number, words: number, short: boolean): string {
  const key = `${op}|${inType}|${outType}|${no}|${ni}|${short}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const T = storageType(inType);
  const float = inType === 'float32';
  const arg = op === 'argmax' || op === 'argmin';
  const outerShapeAt = 4;
  const outerStrideAt = 4 + no;
  const innerShapeAt = 4 + 2 * no;
  const innerStrideAt = 4 + 2 * no + ni;
  const outerLines: string[] = ['var base: i32 = MI(2u);', 'var rem: u32 = o;'];
  for (let d = no - 1; d >= 0; d--) {
    outerLines.push(`base += i32(rem % M(${outerShapeAt + d}u)) * MI(${outerStrideAt + d}u); rem = rem / M(${outerShapeAt + d}u);`);
  }
  const innerLines: string[] = ['var off: i32 = base;', 'var r2: u32 = j;'];
  for (let d = ni - 1; d >= 0; d--) {
    innerLines.push(`off += i32(r2 % M(${innerShapeAt + d}u)) * MI(${innerStrideAt + d}u); r2 = r2 / M(${innerShapeAt + d}u);`);
  }
  let identity: string;
  let combine: string;
  switch (op) {
    case 'sum':
      identity = `${T}(0)`;
      combine = 'return a + b;';
      break;
    case 'prod':
      identity = `${T}(1)`;
      combine = 'return a * b;';
      break;
    case 'max':
      identity = float ? '-nl_inf()' : 'i32(-2147483647 - 1)';
      combine = float ? 'return nl_max(a, b);' : 'return max(a, b);';
      break;
    case 'min':
      identity = float ? 'nl_inf()' : 'i32(2147483647)';
      combine = float ? 'return nl_min(a, b);' : 'return min(a, b);';
      break;
    case 'argmax':
    case 'argmin': {
      identity = float ? (op === 'argmax' ? '-nl_inf()' : 'nl_inf()') : op === 'argmax' ? 'i32(-2147483647 - 1)' : 'i32(2147483647)';
      const better = op === 'argmax' ? '>' : '<';
      const nanA = float ? 'nl_isnan(a)' : 'false';
      const nanB = float ? 'nl_isnan(b)' : 'false';
      // Returns true when (a, ia) should win over (b, ib): NaN first, then the extreme, then the lower index.
      combine = `if (${nanA} || ${nanB}) { if (${nanA} && ${nanB}) { return ia < ib; } return ${nanA}; }
  if (a == b) { return ia < ib; }
  return a ${better} b;`;
      break;
    }
  }
  const head = `${metaDecl(words)}
${bindings([{ name: 'out', type: storageType(outType) }], [{ name: 'x', type: T }])}
${PRELUDE}
${arg ? `fn wins(a: ${T}, ia: u32, b: ${T}, ib: u32) -> bool {\n  ${combine}\n}` : `fn comb(a: ${T}, b: ${T}) -> ${T} { ${combine} }`}`;
  const fold = arg ? 'if (ai == 0xffffffffu || wins(v, j, acc, ai)) { acc = v; ai = j; }' : 'acc = comb(acc, v);';
  const store = (v: string, i: string): string => (arg ? `i32(${i})` : outType === inType ? v : `${storageType(outType)}(${v})`);
  if (short) {
    const src = `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = ${LINEAR_INDEX(WG)};
  if (o >= M(0u)) { return; }
  let n = M(1u);
  ${outerLines.join('\n  ')}
  var acc: ${T} = ${identity};
  var ai: u32 = 0xffffffffu;
  for (var j: u32 = 0u; j < n; j++) {
    ${innerLines.join('\n    ')}
    let v = x[off];
    ${fold}
  }
  out[M(3u) + o] = ${store('acc', 'ai')};
}`;
    cache.set(key, src);
    return src;
  }
  const src = `${head}
var<workgroup> sv: array<${T}, ${WG}>;
var<workgroup> si: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) nwg: vec3<u32>) {
  let w = wid.x + wid.y * nwg.x;
  let chunk = M(${words - 2}u);
  let chunks = M(${words - 1}u);
  if (w >= M(0u) * chunks) { return; }
  let o = w / chunks;
  let c = w % chunks;
  let n = min(M(1u), (c + 1u) * chunk);
  ${outerLines.join('\n  ')}
  var acc: ${T} = ${identity};
  var ai: u32 = 0xffffffffu;
  for (var j: u32 = c * chunk + lid; j < n; j += ${WG}u) {
    ${innerLines.join('\n    ')}
    let v = x[off];
    ${fold}
  }
  sv[lid] = acc;
  si[lid] = ai;
  workgroupBarrier();
  for (var s: u32 = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      ${arg ? 'if (si[lid + s] != 0xffffffffu && (si[lid] == 0xffffffffu || wins(sv[lid + s], si[lid + s], sv[lid], si[lid]))) { sv[lid] = sv[lid + s]; si[lid] = si[lid + s]; }' : 'sv[lid] = comb(sv[lid], sv[lid + s]);'}
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[M(3u) + w] = ${store('sv[0]', 'si[0]')};
  }
}`;
  cache.set(key, src);
  return src;
}
