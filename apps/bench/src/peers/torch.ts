/**
 * PyTorch as a peer, on the CPU (`torch-cpu`) where a `python3` with torch is installed, and on
 * a CUDA GPU (`torch-cuda`) where that torch sees one (detected, never required): one long-lived
 * Python process (python/torch_kernels.py) per peer and bench process, sent one JSON line per
 * workload, answering with the timings. On the CPU torch uses as many threads as the machine has
 * cores (torch.set_num_threads(os.cpu_count())); on CUDA it is the machine's own limit beside our
 * WebGPU kernels on the same GPU.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BENCH_DIR } from '../meta.js';
import { errorText, type Peer, type Timings, type Workload } from './types.js';

export const TORCH_SCRIPT = join(BENCH_DIR, 'python', 'torch_kernels.py');

/** The interpreters tried in order: $NONLINEAR_BENCH_PYTHON if set, else python3 on PATH, then Debian's. */
export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.NONLINEAR_BENCH_PYTHON) return [env.NONLINEAR_BENCH_PYTHON];
  return ['python3', '/usr/bin/python3'];
}

interface Hello {
  ok: boolean;
  error?: string;
  torch?: string;
  python?: string;
  executable?: string;
  threads?: number;
  blas?: string | null;
  device?: string;
}

/** One Python process speaking the line protocol of torch_kernels.py. */
class PythonServer {
  private readonly waiting: { resolve(v: Record<string, unknown>): void; reject(e: Error): void }[] = [];
  private exited: string | null = null;
  private stderr = '';

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (!w) return;
      try {
        w.resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        w.reject(new Error(`unexpected output from Python: ${line.slice(0, 200)}`));
      }
      this.idle();
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    const fail = (why: string): void => {
      this.exited = why;
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${why}${this.stderr ? `: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
    };
    child.on('error', (e) => fail(errorText(e)));
    child.on('exit', (code, signal) => fail(`Python exited (${signal ?? `code ${code}`})`));
    child.stdin.on('error', () => {});
  }

  /** The next line from Python (the hello, or the answer to the last request). */
  next(): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    this.busy();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = this.next();
    this.child.stdin.write(`${JSON.stringify(body)}\n`);
    return answer;
  }

  /** While idle the process does not keep the bench's event loop alive (it ends with stdin). */
  private idle(): void {
    if (this.waiting.length) return;
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref?(): void }[]) s.unref?.();
  }

  private busy(): void {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref?(): void }[]) s.ref?.();
  }

  kill(): void {
    this.child.kill();
  }
}

/** Where the torch peer computes. */
export type TorchDevice = 'cpu' | 'cuda';

async function start(python: string, script: string, device: TorchDevice): Promise<{ server: PythonServer; hello: Hello }> {
  const child = spawn(python, ['-u', script, device], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  const server = new PythonServer(child);
  const hello = (await server.next()) as unknown as Hello;
  if (!hello.ok) {
    server.kill();
    throw new Error(hello.error ?? 'torch failed to load');
  }
  return { server, hello };
}

export async function loadTorch(deps: { candidates: string[]; script?: string; device?: TorchDevice }): Promise<Peer> {
  const script = deps.script ?? TORCH_SCRIPT;
  const device = deps.device ?? 'cpu';
  if (!existsSync(script)) throw new Error(`the timing script ${script} is missing`);
  const tried: string[] = [];
  for (const python of deps.candidates) {
    let got: { server: PythonServer; hello: Hello };
    try {
      got = await start(python, script, device);
    } catch (e) {
      tried.push(`${python}: ${errorText(e)}`);
      continue;
    }
    const { server, hello } = got;
    return {
      name: `torch-${device}`,
      version: `torch ${hello.torch}`,
      detail:
        device === 'cuda'
          ? `Python ${hello.python} (${hello.executable}), CUDA device ${hello.device ?? '?'}, eager ops under inference_mode, each call timed in Python with perf_counter to the end of reading one element back`
          : `Python ${hello.python} (${hello.executable}), ${hello.threads} thread(s), BLAS ${hello.blas ?? '?'} (torch's BLAS_INFO), eager ops under inference_mode, timed in Python with perf_counter`,
      measure: async (w: Workload, reps: number, warmup: number): Promise<Timings> => {
        const r = await server.request({ kind: w.kind, shape: w.shape, chain: w.chain ?? null, seed: w.seed, reps, warmup });
        if (!r.ok) throw new Error(String(r.error));
        return { timesMs: r.timesMs as number[], ...(r.baselineTimesMs ? { baselineTimesMs: r.baselineTimesMs as number[] } : {}) };
      },
    };
  }
  throw new Error(`no python3 with torch${device === 'cuda' ? ' on CUDA' : ''}: ${tried.join('; ')}`);
}
