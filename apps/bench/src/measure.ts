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
  /** The part of each repetition until `work` returned (recording the ops, before any wait), ms. */
  recordMs: number[];
  warmup: number;
}

/**
 * Runs `work` `warmup` times untimed, then `reps` times timed; each repetition is timed from the
 * call to the end of one readback of its result, which is then disposed (intermediates too:
 * `work` runs in a tidy scope).
 */
export async function timeIt(reps: number, warmup: number, work: () => Tensor): Promise<Timing> {
  const once = async (): Promise<[number, number]> => {
    const t0 = performance.now();
    const out = tidy(work);
    const recorded = performance.now() - t0;
    try {
      await settle(out);
      return [performance.now() - t0, recorded];
    } finally {
      out.dispose();
    }
  };
  for (let i = 0; i < warmup; i++) await once();
  const timesMs: number[] = [];
  const recordMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const [total, recorded] = await once();
    timesMs.push(total);
    recordMs.push(recorded);
  }
  return { timesMs, recordMs, warmup };
}
