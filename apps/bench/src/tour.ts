import { type Backend, type Tensor, gelu, initBackend, matmul, randn, tidy } from '@nonlinear/tensor';

export interface TourOptions {
  backend: 'webgpu' | 'cpu' | 'auto';
  reps: number;
}

/** Waits for everything queued on `t`'s backend by reading one element. */
async function settle(t: Tensor): Promise<void> {
  await t.reshape([-1]).index([0, 1]).data();
}

/** Median wall time in ms of `reps` runs after one warm-up. */
async function time(reps: number, run: () => Tensor): Promise<number> {
  const warm = run();
  await settle(warm);
  warm.dispose();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const out = run();
    await settle(out);
    times.push(performance.now() - t0);
    out.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function backends(choice: TourOptions['backend']): Promise<Backend[]> {
  const out: Backend[] = [];
  if (choice !== 'cpu') {
    try {
      out.push(await initBackend('webgpu'));
    } catch (e) {
      if (choice === 'webgpu') throw e;
      console.warn(`no WebGPU adapter (${(e as Error).message.split('. ')[0]}); running on cpu only`);
    }
  }
  if (choice !== 'webgpu') out.push(await initBackend('cpu'));
  return out;
}

/** The quick tour: adapter, a matmul and an activation per backend, as medians and ratios. */
export async function runTour(options: TourOptions): Promise<void> {
  const list = await backends(options.backend);
  const rows: { backend: string; what: string; ms: number; rate: string }[] = [];
  for (const b of list) {
    console.log(`backend ${b.name}: ${b.description}`);
    const n = b.name === 'cpu' ? 256 : 1024;
    const a = randn([n, n], { device: b });
    const c = randn([n, n], { device: b });
    const ms = await time(options.reps, () => matmul(a, c));
    rows.push({ backend: b.name, what: `matmul ${n}x${n} @ ${n}x${n}`, ms, rate: `${((2 * n ** 3) / (ms * 1e6)).toFixed(2)} GFLOP/s` });
    const m = b.name === 'cpu' ? 1 << 18 : 1 << 22;
    const x = randn([m], { device: b });
    const gms = await time(options.reps, () => tidy(() => gelu(x)));
    rows.push({ backend: b.name, what: `gelu (erf) on ${m} floats`, ms: gms, rate: `${((8 * m) / (gms * 1e6)).toFixed(2)} GB/s` });
    a.dispose();
    c.dispose();
    x.dispose();
  }
  console.log(`\nmedian of ${options.reps} runs after warm-up (wall time including one readback)\n`);
  console.log('| backend | workload | median ms | rate |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.backend} | ${r.what} | ${r.ms.toFixed(2)} | ${r.rate} |`);
}
