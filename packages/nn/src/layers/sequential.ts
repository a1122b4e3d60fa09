import { ValueError, tidy, type Tensor } from '@nonlinear/tensor';
import { Module, type UnaryModule } from '../module.js';

/** Modules applied in order; registered as '0', '1', ... (as in PyTorch). */
export class Sequential extends Module {
  private readonly layers: UnaryModule[] = [];

  constructor(...modules: UnaryModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, registered under the next index. */
  append(m: UnaryModule): this {
    if (!(m instanceof Module) || typeof (m as { forward?: unknown }).forward !== 'function') {
      throw new ValueError(`Sequential: element ${this.layers.length} must be a Module with forward(x)`);
    }
    this.registerModule(String(this.layers.length), m);
    this.layers.push(m);
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.layers.length;
  }

  /** The module at position i (negative counts from the end). */
  at(i: number): UnaryModule {
    const m = this.layers.at(i);
    if (!m) throw new ValueError(`Sequential: no element ${i} (length ${this.layers.length})`);
    return m;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<UnaryModule> {
    return this.layers[Symbol.iterator]();
  }

  /** Feeds x through every module in order; intermediates are disposed. */
  forward(x: Tensor): Tensor {
    return tidy(() => this.layers.reduce((h, m) => m.forward(h), x));
  }
}
