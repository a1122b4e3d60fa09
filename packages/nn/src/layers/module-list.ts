import { ValueError } from '@nonlinear/tensor';
import { Module } from '../module.js';

/** A list of submodules registered as '0', '1', ... (for `blocks.0.attn...` names); no forward. */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, registered under the next index. */
  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }

  /** The module at position i (negative counts from the end). */
  at(i: number): M {
    const m = this.items.at(i);
    if (!m) throw new ValueError(`ModuleList: no element ${i} (length ${this.items.length})`);
    return m;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
