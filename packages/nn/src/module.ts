import { DeviceMismatchError, DTypeError, Tensor, ValueError, isFloat, keep, noGrad, tensor, updateInPlace, type Backend } from '@nonlinear/tensor';
import { StateDictError, type MismatchedKey } from './errors.js';
import { isNoDecay, setNoDecay, type ParameterOptions } from './parameter.js';

/** Options of {@link Module.registerBuffer}. */
export interface BufferOptions {
  /** Whether the buffer is part of stateDict() (PyTorch's persistent flag; default true). */
  persistent?: boolean;
}

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Raise on missing or unexpected keys (default true). Mis-shaped keys always raise, as in PyTorch. */
  strict?: boolean;
}

/**
 * What {@link Module.loadStateDict} returns (PyTorch's `_IncompatibleKeys`); both lists are empty
 * after a strict load.
 */
export interface LoadStateDictResult {
  /** Keys of this module the state dict lacked (left unchanged). */
  missingKeys: string[];
  /** Keys of the state dict this module does not have (ignored). */
  unexpectedKeys: string[];
}

interface BufferEntry {
  tensor: Tensor;
  persistent: boolean;
}

/**
 * The base of every layer and model, after torch.nn.Module.
 *
 * Registration is explicit: a subclass calls `registerParameter(name, t)`,
 * `registerBuffer(name, t)` and `registerModule(name, m)` (each returns its argument, so
 * `this.weight = this.registerParameter('weight', w)` keeps a typed field). Fields are not
 * scanned, so a tensor held in a field without registering it is neither trained nor saved.
 * Registration order is the order of parameters(), namedParameters() and stateDict().
 *
 * Registered parameters become leaves with requiresGrad and are exempt from tidy() (keep), so
 * a model built inside tidy survives it; they live until `dispose()`. Dotted names follow
 * PyTorch: `blocks.0.attn.qkv.weight`.
 */
export class Module {
  /** Training mode (Dropout is active); switched for the whole tree by train() / eval(). */
  training = true;
  private readonly registeredParameters = new Map<string, Tensor>();
  private readonly registeredBuffers = new Map<string, BufferEntry>();
  private readonly registeredModules = new Map<string, Module>();

  /** The name used in error messages: the class name. */
  get moduleName(): string {
    return this.constructor.name;
  }

  // ---- registration ----

  /**
   * Makes `t` a parameter: a leaf that requires grad, kept out of tidy() scopes. Registering a
   * name again replaces the previous tensor (which is not disposed).
   */
  registerParameter(name: string, t: Tensor, options: ParameterOptions = {}): Tensor {
    this.checkName('registerParameter', name, this.registeredParameters);
    if (!(t instanceof Tensor)) throw new ValueError(`${this.moduleName}.registerParameter: '${name}' must be a Tensor, got ${typeof t}`);
    t.assertLive(`${this.moduleName}.registerParameter('${name}')`);
    if (!t.isLeaf) {
      throw new ValueError(`${this.moduleName}.registerParameter: '${name}' must be a leaf tensor, but an op recorded for autograd produced it; register t.detach() (or create it under noGrad)`);
    }
    if (!isFloat(t.dtype)) throw new DTypeError(`${this.moduleName}.registerParameter: '${name}' must be float32 or float64 to be trained, got ${t.dtype}`);
    if (!t.requiresGrad) t.requiresGrad = true;
    keep(t);
    if (options.noDecay) setNoDecay(t);
    this.registeredParameters.set(name, t);
    return t;
  }

  /** Registers a tensor that is state but not trained (a running statistic, a RoPE table). */
  registerBuffer(name: string, t: Tensor, options: BufferOptions = {}): Tensor {
    this.checkName('registerBuffer', name, this.registeredBuffers);
    if (!(t instanceof Tensor)) throw new ValueError(`${this.moduleName}.registerBuffer: '${name}' must be a Tensor, got ${typeof t}`);
    t.assertLive(`${this.moduleName}.registerBuffer('${name}')`);
    keep(t);
    this.registeredBuffers.set(name, { tensor: t, persistent: options.persistent ?? true });
    return t;
  }

  /** Registers a submodule under `name`; its parameters appear as `name.<their names>`. */
  registerModule<M extends Module>(name: string, m: M): M {
    this.checkName('registerModule', name, this.registeredModules);
    if (!(m instanceof Module)) throw new ValueError(`${this.moduleName}.registerModule: '${name}' must be a Module`);
    if ((m as Module) === this || m.modules().includes(this)) throw new ValueError(`${this.moduleName}.registerModule: '${name}' would make the module tree cyclic`);
    this.registeredModules.set(name, m);
    return m;
  }

  private checkName(op: string, name: string, own: Map<string, unknown>): void {
    if (typeof name !== 'string' || name === '' || name.includes('.') || name === '__proto__') {
      throw new ValueError(`${this.moduleName}.${op}: name must be a non-empty string without '.', got ${JSON.stringify(name)}`);
    }
    const kinds: [string, Map<string, unknown>][] = [
      ['parameter', this.registeredParameters],
      ['buffer', this.registeredBuffers],
      ['submodule', this.registeredModules],
    ];
    for (const [kind, map] of kinds) {
      if (map !== own && map.has(name)) throw new ValueError(`${this.moduleName}.${op}: '${name}' is already registered as a ${kind}`);
    }
  }

  // ---- lookup and iteration ----

  /** A submodule by dotted path ('blocks.0.attn'); '' is this module. */
  getSubmodule(path: string): Module {
    if (path === '') return this;
    let m: Module = this;
    for (const part of path.split('.')) {
      const next = m.registeredModules.get(part);
      if (!next) throw new ValueError(`${this.moduleName}.getSubmodule: no submodule '${path}' ('${part}' not found in ${m.moduleName})`);
      m = next;
    }
    return m;
  }

  /** A parameter by dotted name ('blocks.0.attn.qkv.weight'). */
  getParameter(path: string): Tensor {
    const at = path.lastIndexOf('.');
    const owner = this.getSubmodule(at < 0 ? '' : path.slice(0, at));
    const p = owner.registeredParameters.get(path.slice(at + 1));
    if (!p) throw new ValueError(`${this.moduleName}.getParameter: no parameter '${path}'`);
    return p;
  }

  /** Direct submodules with their names. */
  namedChildren(): [string, Module][] {
    return [...this.registeredModules];
  }

  /** Direct submodules, in registration order. */
  children(): Module[] {
    return [...this.registeredModules.values()];
  }

  /** This module and every descendant, depth-first (this one first, named ''); each module once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, name: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, child] of m.registeredModules) walk(child, name ? `${name}.${n}` : n);
    };
    walk(this, prefix);
    return out;
  }

  /** This module and every descendant, depth-first, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * Parameters with dotted names, this module's own first, then each submodule's in
   * registration order. A tensor registered twice (tied weights) is listed once, under its
   * first name. `recurse: false` lists only this module's own.
   */
  namedParameters(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.collect((m) => [...m.registeredParameters], options.recurse ?? true, true);
  }

  /** The tensors of {@link Module.namedParameters}, without names: what an optimizer takes. */
  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, t]) => t);
  }

  /** Buffers (persistent or not) with dotted names, deduplicated like namedParameters. */
  namedBuffers(options: { recurse?: boolean } = {}): [string, Tensor][] {
    return this.collect((m) => [...m.registeredBuffers].map(([n, b]) => [n, b.tensor]), options.recurse ?? true, true);
  }

  /** The tensors of {@link Module.namedBuffers}, without names. */
  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, t]) => t);
  }

  private collect(own: (m: Module) => [string, Tensor][], recurse: boolean, dedupe: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods = recurse ? this.namedModules() : ([['', this]] as [string, Module][]);
    for (const [prefix, m] of mods) {
      for (const [n, t] of own(m)) {
        if (dedupe && seen.has(t)) continue;
        seen.add(t);
        out.push([prefix ? `${prefix}.${n}` : n, t]);
      }
    }
    return out;
  }

  /** Number of trainable elements (each tensor counted once, so a tied weight counts once). */
  numParameters(): number {
    return this.parameters().reduce((a, t) => a + t.size, 0);
  }

  /** Parameters split for weight decay: those tagged noDecay (biases, norm gains) and the rest. */
  decayGroups(): {
    /** Parameters weight decay applies to (matrices, embeddings). */
    decay: Tensor[];
    /** Parameters tagged noDecay (biases, norm gains; see {@link @nonlinear/nn!isNoDecay | isNoDecay}). */
    noDecay: Tensor[];
  } {
    const decay: Tensor[] = [];
    const no: Tensor[] = [];
    for (const p of this.parameters()) (isNoDecay(p) ? no : decay).push(p);
    return { decay, noDecay: no };
  }

  /** Calls fn on every submodule (children first) and then on this module, like PyTorch's apply. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.registeredModules.values()) child.apply(fn);
    fn(this);
    return this;
  }

  // ---- state ----

  /**
   * Parameters and persistent buffers by dotted name, as live handles (not copies): do not
   * dispose them. Unlike parameters(), a tensor registered under two names appears under both,
   * as in PyTorch.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    const walk = (m: Module, prefix: string): void => {
      for (const [n, t] of m.registeredParameters) out[prefix + n] = t;
      for (const [n, b] of m.registeredBuffers) if (b.persistent) out[prefix + n] = b.tensor;
      for (const [n, child] of m.registeredModules) walk(child, `${prefix}${n}.`);
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies the values of `stateDict` into this module's parameters and persistent buffers in
   * place (handles held elsewhere, by an optimizer for example, stay valid). Everything is
   * checked before anything is copied: a StateDictError lists every missing, unexpected and
   * mis-shaped key. With strict: false, missing and unexpected keys are returned instead.
   * Values are cast to each target's dtype; a cpu tensor may be loaded into a webgpu module.
   */
  loadStateDict(stateDict: Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const op = `${this.moduleName}.loadStateDict`;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !Object.hasOwn(stateDict, k));
    const unexpectedKeys: string[] = [];
    const mismatchedKeys: MismatchedKey[] = [];
    for (const [k, src] of Object.entries(stateDict)) {
      if (!(src instanceof Tensor)) throw new ValueError(`${op}: '${k}' must be a Tensor, got ${src === null ? 'null' : typeof src}`);
      src.assertLive(`${op}('${k}')`);
      const dst = own[k];
      if (!dst) unexpectedKeys.push(k);
      else if (dst.shape.join() !== src.shape.join()) mismatchedKeys.push({ key: k, expected: dst.shape, got: src.shape });
    }
    if (mismatchedKeys.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const parts: string[] = [];
      const list = (ks: string[]): string => ks.map((k) => `'${k}'`).join(', ');
      if (missingKeys.length) parts.push(`missing key${missingKeys.length > 1 ? 's' : ''} ${list(missingKeys)}`);
      if (unexpectedKeys.length && strict) parts.push(`unexpected key${unexpectedKeys.length > 1 ? 's' : ''} ${list(unexpectedKeys)}`);
      if (mismatchedKeys.length) {
        parts.push(`mis-shaped ${mismatchedKeys.map((m) => `'${m.key}' (expected [${m.expected.join(', ')}], got [${m.got.join(', ')}])`).join(', ')}`);
      }
      throw new StateDictError(`${op}: the state dict does not fit: ${parts.join('; ')}`, missingKeys, unexpectedKeys, mismatchedKeys);
    }
    noGrad(() => {
      for (const [k, src] of Object.entries(stateDict)) {
        const dst = own[k];
        if (dst) copyInto(op, k, dst, src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes, gradients, devices, lifetime ----

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** train(false): Dropout becomes the identity. */
  eval(): this {
    return this.train(false);
  }

  /** Disposes and clears `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * Moves parameters and buffers to another backend (copies, then disposes the old tensors and
   * their gradients). Tied tensors stay tied; noDecay tags and requiresGrad carry over; fields
   * of the modules that held an old tensor are pointed at the new one.
   */
  async to(device: string | Backend): Promise<this> {
    const moved = new Map<Tensor, Tensor>();
    const move = async (t: Tensor): Promise<Tensor> => {
      const done = moved.get(t);
      if (done) return done;
      const nt = await t.to(device);
      if (nt.storage === t.storage) {
        nt.dispose();
        moved.set(t, t);
        return t;
      }
      if (t.requiresGrad) nt.requiresGrad = true;
      if (isNoDecay(t)) setNoDecay(nt);
      keep(nt);
      moved.set(t, nt);
      return nt;
    };
    const mods = this.modules();
    for (const m of mods) {
      for (const [n, t] of m.registeredParameters) m.registeredParameters.set(n, await move(t));
      for (const [n, b] of m.registeredBuffers) m.registeredBuffers.set(n, { tensor: await move(b.tensor), persistent: b.persistent });
    }
    for (const m of mods) {
      const fields = m as unknown as Record<string, unknown>;
      for (const key of Object.keys(fields)) {
        const v = fields[key];
        if (v instanceof Tensor && moved.has(v)) fields[key] = moved.get(v);
      }
    }
    for (const [old, nt] of moved) {
      if (old === nt) continue;
      old.grad?.dispose();
      old.grad = null;
      old.dispose();
    }
    return this;
  }

  /** Releases every parameter, gradient and buffer of the tree. The module is unusable afterwards. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
      p.dispose();
    }
    for (const b of this.buffers()) b.dispose();
  }

  /** Same as {@link Module.dispose}, for `using model = new ...`. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Extra text for toString() (sizes, options), as PyTorch's extra_repr. */
  extraRepr(): string {
    return '';
  }

  /** The module tree, one line per module. */
  toString(): string {
    const lines: string[] = [];
    const walk = (m: Module, name: string, depth: number): void => {
      const head = `${'  '.repeat(depth)}${name ? `(${name}): ` : ''}${m.moduleName}(${m.extraRepr()})`;
      lines.push(head);
      for (const [n, child] of m.registeredModules) walk(child, n, depth + 1);
    };
    walk(this, '', 0);
    return lines.join('\n');
  }
}

/** A module with one tensor in and one out: what Sequential chains. */
export interface UnaryModule extends Module {
  /** Runs the module on `x`; the result is the caller's to dispose. */
  forward(x: Tensor): Tensor;
}

/** Copies src into dst in place (same shape), casting to dst's dtype and uploading from cpu if needed. */
function copyInto(op: string, key: string, dst: Tensor, src: Tensor): void {
  if (src.backend === dst.backend) {
    updateInPlace(op, [dst], [src], (x) => [x]);
    return;
  }
  // Only a cpu source can be read synchronously; anything else needs an await the caller must do.
  if (!src.backend.readSync) {
    throw new DeviceMismatchError(`${op}: '${key}' is on ${src.device} but the module is on ${dst.device}; move it first (await t.to('${dst.device}'))`);
  }
  const tmp = tensor(src.dataSync(), { shape: src.shape, dtype: dst.dtype, device: dst.backend });
  try {
    updateInPlace(op, [dst], [tmp], (x) => [x]);
  } finally {
    tmp.dispose();
  }
}
