import { ValueError } from '@nonlinear/tensor';

/**
 * Learning-rate schedules as pure functions of the step (0 for the first optimizer step). Each
 * factory returns a `Schedule`; `LRScheduler` applies one to an optimizer. The formulas are the
 * closed forms of PyTorch's schedulers (which compute the same values step by step).
 */
export type Schedule = (step: number) => number;

function checkStep(name: string, step: number): void {
  if (!Number.isInteger(step) || step < 0) throw new ValueError(`${name}: step must be a non-negative integer, got ${step}`);
}

function positiveInt(name: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ValueError(`${name}: ${what} must be a positive integer, got ${v}`);
}

/** The same learning rate at every step. */
export function constantLr(lr: number): Schedule {
  return (step) => {
    checkStep('constantLr', step);
    return lr;
  };
}

/** `lr * gamma^floor(step / stepSize)` (PyTorch's StepLR). gamma defaults to 0.1. */
export function stepLr(lr: number, options: { stepSize: number; gamma?: number }): Schedule {
  const { stepSize, gamma = 0.1 } = options;
  positiveInt('stepLr', 'stepSize', stepSize);
  return (step) => {
    checkStep('stepLr', step);
    return lr * gamma ** Math.floor(step / stepSize);
  };
}

/** `lr * gamma^step` (PyTorch's ExponentialLR). */
export function exponentialLr(lr: number, options: { gamma: number }): Schedule {
  const { gamma } = options;
  return (step) => {
    checkStep('exponentialLr', step);
    return lr * gamma ** step;
  };
}

/** Options of {@link cosineLr}: linear warm-up, then cosine decay to `minLr`. */
export interface CosineOptions {
  /** Steps of the whole schedule, warm-up included; the cosine reaches `minLr` here and stays. */
  totalSteps: number;
  /** Steps of linear warm-up from `warmupStartLr` to the peak (default 0). */
  warmupSteps?: number;
  /** Where the warm-up starts (default 0). */
  warmupStartLr?: number;
  /** The floor the cosine decays to (default 0; PyTorch's eta_min). */
  minLr?: number;
}

/**
 * Linear warm-up then cosine decay: for step < warmupSteps,
 * `warmupStartLr + (lr - warmupStartLr) * step / warmupSteps`; then, with
 * `progress = (step - warmupSteps) / (totalSteps - warmupSteps)` capped at 1,
 * `minLr + (lr - minLr) * (1 + cos(pi * progress)) / 2`. With no warm-up this is PyTorch's
 * CosineAnnealingLR (T_max = totalSteps) up to totalSteps; with warmupStartLr 0 and minLr 0 it is
 * the common `get_cosine_schedule_with_warmup`.
 */
export function cosineLr(lr: number, options: CosineOptions): Schedule {
  const { totalSteps, warmupSteps = 0, warmupStartLr = 0, minLr = 0 } = options;
  positiveInt('cosineLr', 'totalSteps', totalSteps);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0 || warmupSteps >= totalSteps) {
    throw new ValueError(`cosineLr: warmupSteps must be an integer in [0, totalSteps), got ${warmupSteps}`);
  }
  return (step) => {
    checkStep('cosineLr', step);
    if (step < warmupSteps) return warmupStartLr + ((lr - warmupStartLr) * step) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
    return minLr + ((lr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/** Options of {@link oneCycleLr} and {@link oneCycleMomentum} (PyTorch's OneCycleLR arguments). */
export interface OneCycleOptions {
  /** The peak learning rate. */
  maxLr: number;
  /** Steps of the cycle; stepping past it raises, as in PyTorch. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to the initial lr, then annihilation) instead of two. */
  threePhase?: boolean;
  /** Momentum at the peak learning rate (default 0.85); for oneCycleMomentum. */
  baseMomentum?: number;
  /** Momentum at the ends of the cycle (default 0.95); for oneCycleMomentum. */
  maxMomentum?: number;
}

interface Phase {
  end: number;
  lr: [number, number];
  mom: [number, number];
}

function oneCyclePhases(o: OneCycleOptions): { phases: Phase[]; anneal: (a: number, b: number, pct: number) => number } {
  const { maxLr, totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false } = o;
  const { baseMomentum = 0.85, maxMomentum = 0.95 } = o;
  positiveInt('oneCycleLr', 'totalSteps', totalSteps);
  if (!(pctStart >= 0 && pctStart <= 1)) throw new ValueError(`oneCycleLr: pctStart must be in [0, 1], got ${pctStart}`);
  if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new ValueError(`oneCycleLr: annealStrategy must be 'cos' or 'linear', got '${String(annealStrategy)}'`);
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  const phases: Phase[] = threePhase
    ? [
        { end: pctStart * totalSteps - 1, lr: [initial, maxLr], mom: [maxMomentum, baseMomentum] },
        { end: 2 * pctStart * totalSteps - 2, lr: [maxLr, initial], mom: [baseMomentum, maxMomentum] },
        { end: totalSteps - 1, lr: [initial, min], mom: [maxMomentum, maxMomentum] },
      ]
    : [
        { end: pctStart * totalSteps - 1, lr: [initial, maxLr], mom: [maxMomentum, baseMomentum] },
        { end: totalSteps - 1, lr: [maxLr, min], mom: [baseMomentum, maxMomentum] },
      ];
  const anneal = annealStrategy === 'cos'
    ? (a: number, b: number, pct: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (a: number, b: number, pct: number) => (b - a) * pct + a;
  return { phases, anneal };
}

function oneCycleAt(name: string, o: OneCycleOptions, which: 'lr' | 'mom'): Schedule {
  const { phases, anneal } = oneCyclePhases(o);
  return (step) => {
    checkStep(name, step);
    if (step > o.totalSteps) throw new ValueError(`${name}: step ${step} is past the end of the cycle (totalSteps ${o.totalSteps})`);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const ph = phases[i]!;
      if (step <= ph.end || i === phases.length - 1) {
        const [a, b] = ph[which];
        return anneal(a, b, (step - start) / (ph.end - start));
      }
      start = ph.end;
    }
    throw new Error('unreachable');
  };
}

/**
 * The 1cycle policy (Smith & Topin), as PyTorch's OneCycleLR: from maxLr / divFactor up to maxLr
 * over the first pctStart of the steps, then down to maxLr / divFactor / finalDivFactor, by cosine
 * annealing unless annealStrategy is 'linear'.
 */
export function oneCycleLr(options: OneCycleOptions): Schedule {
  return oneCycleAt('oneCycleLr', options, 'lr');
}

/**
 * The momentum that goes with oneCycleLr (PyTorch's cycle_momentum): from maxMomentum down to
 * baseMomentum while the learning rate rises, and back. LRScheduler applies it to SGD's
 * `momentum` or Adam's beta1.
 */
export function oneCycleMomentum(options: Omit<OneCycleOptions, 'maxLr'> & { maxLr?: number }): Schedule {
  return oneCycleAt('oneCycleMomentum', { maxLr: 1, ...options }, 'mom');
}
