import { ValueError } from '@nonlinear/tensor';
import type { BaseHyper, Optimizer } from './optimizer.js';
import type { Schedule } from './schedules.js';

/** Options of {@link LRScheduler}. */
export interface LRSchedulerOptions {
  /**
   * A momentum schedule (e.g. oneCycleMomentum) applied with the learning rate: to each group's
   * `momentum` (SGD) or to beta1 of its `betas` (Adam, AdamW). One schedule, or one per group.
   */
  momentum?: Schedule | readonly Schedule[];
}

/**
 * Sets an optimizer's learning rates from a schedule: at construction to `schedule(0)`, then to
 * `schedule(k)` after the k-th call of `step()`. Call `scheduler.step()` after each
 * `optimizer.step()`, as in PyTorch. Give one schedule for every group or one per group.
 */
export class LRScheduler {
  private readonly lrs: readonly Schedule[];
  private readonly moms: readonly Schedule[] | null;
  /** How many times step() has been called: the schedule step now in effect. */
  lastStep = 0;

  constructor(
    /** The optimizer whose groups' learning rates (and momentum) this sets. */
    readonly optimizer: Optimizer<BaseHyper>,
    schedule: Schedule | readonly Schedule[],
    options: LRSchedulerOptions = {},
  ) {
    const n = optimizer.paramGroups.length;
    const perGroup = (what: string, s: Schedule | readonly Schedule[]): readonly Schedule[] => {
      if (typeof s === 'function') return Array.from({ length: n }, () => s);
      if (s.length !== n) throw new ValueError(`LRScheduler: expected ${n} ${what} schedules (one per parameter group), got ${s.length}`);
      return s;
    };
    this.lrs = perGroup('learning-rate', schedule);
    this.moms = options.momentum ? perGroup('momentum', options.momentum) : null;
    if (this.moms) {
      for (const g of optimizer.paramGroups as unknown as Record<string, unknown>[]) {
        if (!('momentum' in g) && !Array.isArray(g.betas)) throw new ValueError('LRScheduler: a momentum schedule needs an optimizer with momentum or betas');
      }
    }
    this.apply();
  }

  /** Advances the schedule by one step and sets the new learning rates. */
  step(): void {
    this.lastStep++;
    this.apply();
  }

  /** The learning rates now set, one per group. */
  get lastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.lrs[i]!(this.lastStep);
      if (this.moms) {
        const m = this.moms[i]!(this.lastStep);
        const group = g as unknown as Record<string, unknown>;
        if (Array.isArray(group.betas)) group.betas = [m, ...(group.betas as number[]).slice(1)];
        else group.momentum = m;
      }
    });
  }

  /** The scheduler's position, to save with the optimizer's state dict. */
  stateDict(): {
    /** Steps taken so far. */
    lastStep: number;
  } {
    return { lastStep: this.lastStep };
  }

  /** Restores the step count and sets the learning rates for it. */
  loadStateDict(sd: { lastStep: number }): void {
    if (!Number.isInteger(sd.lastStep) || sd.lastStep < 0) throw new ValueError(`LRScheduler.loadStateDict: bad lastStep ${sd.lastStep}`);
    this.lastStep = sd.lastStep;
    this.apply();
  }
}
