import { ValueError } from '@nonlinear/tensor';

/**
 * Annealing schedules of the gate temperature tau (spec moe.md): tau starts at tauMax (a soft,
 * dense gate) and falls to tauMin over `steps` steps (a sharp, sparse one), then stays there.
 */

/** The schedules {@link temperatureSchedule} builds. */
export type TemperatureScheduleKind = 'exponential' | 'linear' | 'constant';

/** Options of {@link temperatureSchedule}. */
export interface TemperatureScheduleOptions {
  /** 'exponential' (EvoMoE; default), 'linear' or 'constant' (tau = tauMax at every step). */
  kind?: TemperatureScheduleKind;
  /** Temperature at step 0 (> 0). */
  tauMax: number;
  /** Temperature at and after `steps` (> 0, at most tauMax). */
  tauMin: number;
  /** Steps D from tauMax to tauMin (> 0). */
  steps: number;
}

/** tau at step t as a function. */
export type TemperatureSchedule = (step: number) => number;

function check(o: TemperatureScheduleOptions): void {
  const { tauMax, tauMin, steps } = o;
  if (!(tauMax > 0) || !Number.isFinite(tauMax)) throw new ValueError(`temperatureSchedule: tauMax must be a finite number > 0, got ${tauMax}`);
  if (!(tauMin > 0) || !(tauMin <= tauMax)) throw new ValueError(`temperatureSchedule: tauMin must be in (0, tauMax = ${tauMax}], got ${tauMin}`);
  if (!(steps > 0) || !Number.isFinite(steps)) throw new ValueError(`temperatureSchedule: steps must be a finite number > 0, got ${steps}`);
}

function checkStep(step: number): void {
  if (typeof step !== 'number' || !(step >= 0)) throw new ValueError(`temperatureSchedule: step must be a number >= 0, got ${String(step)}`);
}

/** `max(tauMax * exp(ln(tauMin / tauMax) * t / D), tauMin)` (EvoMoE's exponential decay). */
export function exponentialTemperature(step: number, o: TemperatureScheduleOptions): number {
  check(o);
  checkStep(step);
  return Math.max(o.tauMax * Math.exp((Math.log(o.tauMin / o.tauMax) * step) / o.steps), o.tauMin);
}

/** `max(tauMax + (tauMin - tauMax) * t / D, tauMin)`. */
export function linearTemperature(step: number, o: TemperatureScheduleOptions): number {
  check(o);
  checkStep(step);
  return Math.max(o.tauMax + ((o.tauMin - o.tauMax) * step) / o.steps, o.tauMin);
}

/**
 * A schedule as a function of the step: `const tau = temperatureSchedule({ tauMax: 2, tauMin:
 * 0.3, steps: 1000 }); setTemperature(model, tau(step))`.
 */
export function temperatureSchedule(o: TemperatureScheduleOptions): TemperatureSchedule {
  check(o);
  const kind = o.kind ?? 'exponential';
  if (kind === 'exponential') return (t) => exponentialTemperature(t, o);
  if (kind === 'linear') return (t) => linearTemperature(t, o);
  if (kind === 'constant') return (t) => (checkStep(t), o.tauMax);
  throw new ValueError(`temperatureSchedule: kind must be 'exponential', 'linear' or 'constant', got '${String(kind)}'`);
}
