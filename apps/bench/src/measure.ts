/** Timing tensor work from the outside, with the public API of @nonlinear/tensor only. */
import { type Tensor, tidy } from '@nonlinear/tensor';

/**
 * Waits until everything queued before `t` was computed, by reading one element (reading
 * flushes the batch and resolves after the queue drains). The view is disposed again.
 */
export async function settle(t: Tensor): Promise<void> {
  const one = tidy(() => t.reshape([-1]).index([0, 1]));
  try {
    await one.data();
  } finally {
    one.dispose();
  }
}

export interface Timing {
  /** Wall time of each timed repetition, ms, in order. */
  timesMs: number[];
  warmup: number;
}

/**
 * Runs `work` `warmup` times untimed, then `reps` times timed; each repetition is timed from the
 * call to the end of one readback of its result, which is then disposed (intermediates too:
 * `work` runs in a tidy scope).
 */
export async function timeIt(reps: number, warmup: number, work: () => Tensor): Promise<Timing> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = tidy(work);
    try {
      await settle(out);
      return performance.now() - t0;
    } finally {
      out.dispose();
    }
  };
  for (let i = 0; i < warmup; i++) await once();
  const timesMs: number[] = [];
  for (let i = 0; i < reps; i++) timesMs.push(await once());
  return { timesMs, warmup };
}
