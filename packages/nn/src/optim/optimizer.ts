import { DeviceMismatchError, ValueError, isFloat, keep, noGrad, Tensor } from '@nonlinear/tensor';

/**
 * The optimizer base: parameter groups with their own hyper-parameters (PyTorch's
 * param_groups), per-parameter state, zeroGrad, and state dicts that capture everything a
 * resumed run needs to continue bit for bit.
 */

/** One value of an optimizer's per-parameter state: step counts, moment tensors, histories. */
export type StateValue = number | boolean | Tensor | null | readonly (number | Tensor)[];
/** The state an optimizer keeps for one parameter. */
export type ParamState = Record<string, StateValue>;

/** A parameter group as given to a constructor: its parameters and any hyper-parameters that differ from the defaults. */
export type ParamGroupSpec<H> = {
  /** The group's parameters: float leaf tensors, each in one group only. */
  params: Iterable<Tensor>;
} & Partial<H>;
/** A parameter group as the optimizer holds it: every hyper-parameter filled in. Change `lr` (or any other field) at will. */
export type ParamGroup<H> = H & {
  /** The group's parameters. */
  params: Tensor[];
};
/** What an optimizer is built from: parameters, or parameter groups. */
export type Params<H> = Iterable<Tensor> | readonly ParamGroupSpec<H>[];

/** The hyper-parameters every optimizer has. */
export interface BaseHyper {
  /** Learning rate. */
  lr: number;
}

/**
 * A snapshot of an optimizer (PyTorch's layout): `state` keyed by the index of each parameter
 * counting through the groups in order, `paramGroups` with those indices in place of tensors.
 * The tensors are copies that belong to the caller (dispose them with `T.dispose(stateDict)`);
 * `loadStateDict` copies them again, so one snapshot can be loaded any number of times.
 */
export interface OptimizerStateDict<H = Record<string, unknown>> {
  /** Per-parameter state (copies), keyed by the parameter's index; parameters without state are absent. */
  state: Record<number, ParamState>;
  /** Each group's hyper-parameters, with the indices of its parameters. */
  paramGroups: (H & {
    /** Indices of the group's parameters, counting through the groups in order. */
    params: number[];
  })[];
}

function isGroupSpec<H>(x: unknown): x is ParamGroupSpec<H> {
  return typeof x === 'object' && x !== null && !(x instanceof Tensor) && 'params' in x;
}

function cloneValue(v: StateValue): StateValue {
  if (v instanceof Tensor) return v.clone();
  if (Array.isArray(v)) return v.map((x: number | Tensor) => (x instanceof Tensor ? x.clone() : x));
  return v;
}

/** Exempts the tensors of a state value from every tidy scope (the optimizer owns them). */
function keepValue(v: StateValue): StateValue {
  if (v instanceof Tensor) keep(v);
  else if (Array.isArray(v)) for (const x of v) if (x instanceof Tensor) keep(x);
  return v;
}

function disposeValue(v: StateValue): void {
  if (v instanceof Tensor) v.dispose();
  else if (Array.isArray(v)) for (const x of v) if (x instanceof Tensor) x.dispose();
}

/**
 * The base of every optimizer (torch.optim.Optimizer): parameter groups with their own
 * hyper-parameters, per-parameter state owned by the optimizer, `zeroGrad`, `step` and state dicts
 * for exact resumption. Subclasses implement `step()`.
 */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  /** The constructor's hyper-parameters: what a group's missing options take. */
  readonly defaults: Readonly<H>;
  /**
   * The parameter groups with their current hyper-parameters; change any field (`lr`, `betas`...)
   * between steps.
   */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state (moments, step counts). Tensors here belong to the optimizer. */
  protected readonly state = new Map<Tensor, ParamState>();

  constructor(params: Params<H>, defaults: H) {
    this.defaults = Object.freeze({ ...defaults });
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<H>>)];
    if (list.length === 0) throw new ValueError(`${this.constructor.name}: got an empty parameter list`);
    if (list.every(isGroupSpec)) for (const g of list as ParamGroupSpec<H>[]) this.addParamGroup(g);
    else if (list.every((p) => p instanceof Tensor)) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<H>);
    else throw new ValueError(`${this.constructor.name}: params must be all tensors or all parameter groups ({params, ...options})`);
  }

  /** Adds a group of parameters with its own hyper-parameters (missing ones take the defaults). */
  addParamGroup(spec: ParamGroupSpec<H>): void {
    const name = this.constructor.name;
    const params = [...spec.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new ValueError(`${name}: parameters must be tensors, got ${typeof p}`);
      p.assertLive(name);
      if (!isFloat(p.dtype)) throw new ValueError(`${name}: can only optimize float tensors, got ${p.dtype} (tensor #${p.id})`);
      if (!p.isLeaf) throw new ValueError(`${name}: can't optimize a non-leaf tensor (#${p.id}); pass parameters, not results of ops`);
      if (seen.has(p)) throw new ValueError(`${name}: tensor #${p.id} appears in more than one parameter group (or twice)`);
      seen.add(p);
    }
    const group = { ...this.defaults } as ParamGroup<H>;
    for (const [k, v] of Object.entries(spec)) if (k !== 'params' && v !== undefined) (group as unknown as Record<string, unknown>)[k] = v;
    group.params = params;
    this.validateGroup(group);
    this.paramGroups.push(group);
  }

  /** Checks a group's hyper-parameters; subclasses throw ValueError for bad values. */
  protected validateGroup(group: ParamGroup<H>): void {
    if (!(group.lr >= 0)) throw new ValueError(`${this.constructor.name}: invalid learning rate ${group.lr}`);
  }

  /** The learning rate of the first group. */
  get lr(): number {
    return this.paramGroups[0]!.lr;
  }
  /** Sets the learning rate of every group (set `paramGroups[i].lr` for one group). */
  set lr(lr: number) {
    for (const g of this.paramGroups) g.lr = lr;
  }

  /** Every parameter, group by group. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** Disposes every parameter's `.grad` and sets it to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** One optimization step. */
  abstract step(closure?: () => unknown): unknown;

  /** The state of a parameter (read-only view; undefined before its first step). */
  getState(param: Tensor): Readonly<ParamState> | undefined {
    return this.state.get(param);
  }

  /** The state of `p`, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** A tensor for the optimizer's state: kept out of every tidy scope, owned by the optimizer. */
  protected own<T extends Tensor>(t: T): T {
    return keep(t);
  }

  /** Calls fn for every parameter that has a gradient, with recording off. */
  protected eachGrad(fn: (p: Tensor, grad: Tensor, group: ParamGroup<H>, state: ParamState) => void): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          p.assertLive(`${this.constructor.name}.step`);
          fn(p, p.grad, group, this.stateOf(p));
        }
      }
    });
  }

  /** A snapshot of the optimizer: copies of its state tensors, step counts and group hyper-parameters. */
  stateDict(): OptimizerStateDict<H> {
    return noGrad(() => {
      const state: Record<number, ParamState> = {};
      const paramGroups: (H & { params: number[] })[] = [];
      let index = 0;
      for (const group of this.paramGroups) {
        const ids: number[] = [];
        for (const p of group.params) {
          const s = this.state.get(p);
          if (s) state[index] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, cloneValue(v)]));
          ids.push(index++);
        }
        const { params: _params, ...hyper } = group;
        paramGroups.push({ ...(structuredClone(hyper) as unknown as H), params: ids });
      }
      return { state, paramGroups };
    });
  }

  /**
   * Restores a snapshot taken by `stateDict()` of an optimizer of the same kind over parameters
   * of the same shapes, in the same groups. Hyper-parameters come from the snapshot too. The
   * snapshot's tensors are copied (it stays the caller's) and must be on the parameters' backend.
   */
  loadStateDict(sd: OptimizerStateDict<H>): void {
    const name = `${this.constructor.name}.loadStateDict`;
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(`${name}: the snapshot has ${sd.paramGroups.length} parameter groups, this optimizer ${this.paramGroups.length}`);
    }
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i]!.params.length) {
        throw new ValueError(`${name}: group ${i} has ${g.params.length} parameters in the snapshot, ${this.paramGroups[i]!.params.length} here`);
      }
    });
    const fresh = new Map<Tensor, ParamState>();
    noGrad(() => {
      try {
        sd.paramGroups.forEach((g, gi) => {
          const group = this.paramGroups[gi]!;
          g.params.forEach((idx, pi) => {
            const s = sd.state[idx];
            if (!s) return;
            const p = group.params[pi]!;
            const copy: ParamState = {};
            for (const [k, v] of Object.entries(s)) {
              const tensors = v instanceof Tensor ? [v] : Array.isArray(v) ? v.filter((x): x is Tensor => x instanceof Tensor) : [];
              for (const t of tensors) {
                t.assertLive(name);
                if (t.backend !== p.backend) {
                  throw new DeviceMismatchError(`${name}: state '${k}' of parameter ${idx} is on ${t.device} but the parameter is on ${p.device}; move it with await t.to('${p.device}')`);
                }
              }
              copy[k] = keepValue(cloneValue(v));
            }
            fresh.set(p, copy);
            this.checkLoadedState(p, copy, idx);
          });
        });
      } catch (e) {
        for (const s of fresh.values()) for (const v of Object.values(s)) disposeValue(v);
        throw e;
      }
    });
    this.disposeState();
    for (const [p, s] of fresh) this.state.set(p, s);
    sd.paramGroups.forEach((g, gi) => {
      const { params: _params, ...hyper } = g;
      Object.assign(this.paramGroups[gi]!, structuredClone(hyper));
    });
  }

  /** Checks one parameter's loaded state (shapes, dtypes); subclasses throw ValueError. */
  protected checkLoadedState(_p: Tensor, _s: ParamState, _index: number): void {}

  /** Throws unless `t` is a tensor with p's shape and dtype (for moment buffers). */
  protected checkLike(p: Tensor, t: StateValue, key: string, index: number): void {
    const name = `${this.constructor.name}.loadStateDict`;
    if (!(t instanceof Tensor)) throw new ValueError(`${name}: state '${key}' of parameter ${index} must be a tensor`);
    if (t.shape.join() !== p.shape.join() || t.dtype !== p.dtype) {
      throw new ValueError(
        `${name}: state '${key}' of parameter ${index} is [${t.shape.join(', ')}] ${t.dtype}, the parameter [${p.shape.join(', ')}] ${p.dtype}`,
      );
    }
  }

  private disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) disposeValue(v);
    this.state.clear();
  }

  /** Frees the optimizer's state tensors (moments, histories); the parameters are untouched. */
  dispose(): void {
    this.disposeState();
  }
}
