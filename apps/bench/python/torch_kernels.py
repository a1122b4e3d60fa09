"""PyTorch peer of the kernels suite: times the suite's workloads with torch, on the CPU or on
a CUDA GPU.

Started by apps/bench/src/peers/torch.ts as `python3 -u torch_kernels.py [cpu|cuda]` (default
cpu). Protocol, one JSON object per line:

- first line out: {"ok": true, "torch": ..., "python": ..., "threads": ..., "device": ...} or
  {"ok": false, "error": ...} when torch cannot be imported or has no CUDA device for `cuda`
  (the script then exits);
- then, for each line in ({"kind", "shape", "chain", "seed", "reps", "warmup"}), one line out:
  {"ok": true, "timesMs": [...], "baselineTimesMs": [...]?} or {"ok": false, "error": ...}.

The process ends when its stdin closes. Timing, with time.perf_counter after `warmup` untimed
calls: torch's CPU ops are synchronous, so a CPU call is timed from the op to its return; CUDA
ops are queued, so a CUDA call is timed to the end of reading one element of its result back to
the host, as the suite times our webgpu backend and tfjs-webgpu.
"""

import json
import os
import platform
import re
import sys
import time

EPS = 1e-5


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any failure means the peer is absent
    reply({"ok": False, "error": f"{type(e).__name__}: {e}"})
    sys.exit(0)

DEVICE = sys.argv[1] if len(sys.argv) > 1 else "cpu"
if DEVICE not in ("cpu", "cuda"):
    reply({"ok": False, "error": f"unknown device {DEVICE!r} (expected cpu or cuda)"})
    sys.exit(0)
if DEVICE == "cuda" and not torch.cuda.is_available():
    reply({"ok": False, "error": f"torch {torch.__version__} sees no CUDA device"})
    sys.exit(0)

torch.set_num_threads(os.cpu_count() or 1)


def finish(result):
    """Waits for a CUDA result the way the suite waits for ours: one element read back."""
    if DEVICE == "cuda":
        result.reshape(-1)[0].item()


def timed(fn, reps, warmup):
    for _ in range(warmup):
        finish(fn())
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        finish(fn())
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def measure(req):
    kind = req["kind"]
    shape = req["shape"]
    reps = int(req["reps"])
    warmup = int(req["warmup"])
    torch.manual_seed(int(req.get("seed", 0)))
    randn = lambda *s: torch.randn(*s, dtype=torch.float32).to(DEVICE)  # noqa: E731
    with torch.inference_mode():
        if kind == "matmul":
            m, k, n = shape
            a, b = randn(m, k), randn(k, n)
            return {"timesMs": timed(lambda: torch.matmul(a, b), reps, warmup)}
        if kind == "unary":
            x = randn(*shape)
            return {"timesMs": timed(lambda: torch.neg(x), reps, warmup)}
        if kind == "binary":
            x, y = randn(*shape), randn(*shape)
            return {"timesMs": timed(lambda: torch.add(x, y), reps, warmup)}
        if kind == "softmax":
            x = randn(*shape)
            return {"timesMs": timed(lambda: torch.softmax(x, -1), reps, warmup)}
        if kind == "layernorm":
            rows, cols = shape
            x, gamma, beta = randn(rows, cols), randn(cols), randn(cols)
            # torch's own fused layer_norm kernel (ours is composed of elementwise and reductions).
            return {"timesMs": timed(lambda: F.layer_norm(x, (cols,), gamma, beta, EPS), reps, warmup)}
        if kind == "chain-unfused":
            x, y = randn(*shape), randn(*shape)

            def chain8():
                return torch.abs(torch.sigmoid(torch.tanh(x * y + 1) * 0.5 + x) - y)

            return {"timesMs": timed(chain8, reps, warmup)}
        if kind == "overhead":
            x = randn(*shape)
            length = int(req["chain"])

            def chain(n):
                def run():
                    y = x
                    for _ in range(n):
                        y = torch.add(y, 1)
                    return y

                return run

            base = timed(chain(1), reps, warmup)
            return {"timesMs": timed(chain(length), reps, warmup), "baselineTimesMs": base}
    raise ValueError(f"unknown workload kind {kind!r}")


def blas_info():
    """The BLAS torch was built with (BLAS_INFO in torch's build config), e.g. mkl, open, generic."""
    try:
        m = re.search(r"BLAS_INFO=([\w.-]+)", torch.__config__.show())
        return m.group(1) if m else None
    except Exception:  # noqa: BLE001
        return None


reply(
    {
        "ok": True,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "executable": sys.executable,
        "threads": torch.get_num_threads(),
        "blas": blas_info(),
        "device": torch.cuda.get_device_name(0) if DEVICE == "cuda" else "cpu",
    }
)
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        reply({"ok": True, **measure(json.loads(line))})
    except Exception as e:  # noqa: BLE001 - reported to the bench, which records the failure
        reply({"ok": False, "error": f"{type(e).__name__}: {e}"})
