// Times a few workloads on the webgpu backend under the current LP_NUM_THREADS (lavapipe's worker
// thread count), to choose the default the kernels README documents. Run from packages/tensor
// after `pnpm build`, once per setting:
//   for n in unset 2 4 8 16; do [ $n = unset ] && node scripts/lavapipe-threads.mjs || LP_NUM_THREADS=$n node scripts/lavapipe-threads.mjs; done
// Prints one JSON line of medians (ms) per run. Not a test: it asserts nothing.
import * as T from '@nonlinear/tensor';
const gpu = await T.initBackend('webgpu');
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
async function time(f, reps = 7) { await f(); const ts = []; for (let i = 0; i < reps; i++) { const t0 = performance.now(); await f(); ts.push(performance.now() - t0); } return med(ts); }
const a = T.randn([1024, 1024], { device: gpu }), b = T.randn([1024, 1024], { device: gpu });
const mm = await time(async () => { const c = T.matmul(a, b); await c.data(); c.dispose(); });
const x = T.randn([1 << 22], { device: gpu });
const ew = await time(async () => { const y = T.tanh(T.mul(x, 2)); await y.data(); y.dispose(); });
const s = T.randn([4096, 512], { device: gpu });
const sm = await time(async () => { const y = T.softmax(s, -1); await y.data(); y.dispose(); });
const small = T.randn([64], { device: gpu });
const ov = await time(async () => { let y = small; for (let i = 0; i < 200; i++) { const z = T.add(y, 1); if (y !== small) y.dispose(); y = z; } await y.data(); y.dispose(); }, 5);
console.log(JSON.stringify({ lp: process.env.LP_NUM_THREADS ?? 'unset', matmul1024_ms: +mm.toFixed(1), ew4M_ms: +ew.toFixed(1), softmax_ms: +sm.toFixed(1), chain200_ms: +ov.toFixed(1) }));
process.exit(0);
