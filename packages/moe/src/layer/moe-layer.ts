import * as T from '@nonlinear/tensor';
import { ShapeError, ValueError, type Tensor } from '@nonlinear/tensor';
import { Module, ModuleList, type LayerOptions, type UnaryModule } from '@nonlinear/nn';
import { feedForward, type FeedForwardKind, type MLPBlockOptions } from '@nonlinear/activations';
import { Gate, checkGateInput, checkPositiveInt, type GateKind } from '../gates/gate.js';
import { createGate, type GateOptions } from '../gates/build.js';
import { loadBalancingLoss, routerZLoss } from '../gates/losses.js';
import { dispatch } from './dispatch.js';

/** Options of {@link MoELayer}. */
export interface MoELayerOptions extends LayerOptions {
  /** Number of experts E. */
  numExperts: number;
  /**
   * Each expert's hidden width h, as a SwiGLU would have it: a SwiGLU expert gets h, a two-matrix
   * expert round(3h/2), so every kind holds 3 * dim * h weights (the PolyCom MoE experiments'
   * matching; see @nonlinear/activations' `matchedHidden`).
   */
  hidden: number;
  /** The experts' block: 'swiglu' (default) or an activation name (polynorm, gelu, relu, ...). */
  expert?: FeedForwardKind;
  /** Options of the experts' activation, when given by name (order, eps, ...). */
  activationOptions?: MLPBlockOptions['activationOptions'];
  /** Biases on the experts' matrices (default false). */
  bias?: boolean;
  /** The gate: a kind (default 'topk') built with `gateOptions`, or a gate module. */
  gate?: GateKind | Gate;
  /** Options of a gate given by kind (k, noisy, tau, threshold, activation...). */
  gateOptions?: Omit<GateOptions, 'device' | 'dtype'>;
  /**
   * Expert capacity factor: each expert takes at most ceil(capacityFactor * N * k / E) of the N
   * tokens (k: the gate's experts per token), the later ones are dropped (Switch). Default null:
   * no limit. Expert-choice gates set their own capacity.
   */
  capacityFactor?: number | null;
  /** alpha of the load-balancing loss (default 0.01; 0 leaves it out). */
  loadBalancingWeight?: number;
  /** Weight of the router z-loss (default 0.001; 0 leaves it out). */
  zLossWeight?: number;
  /**
   * Read the per-expert token counts back before running the experts, so each runs on exactly
   * its tokens and an expert with none is skipped (default: true where the backend reads
   * synchronously, the cpu backend). A forward pass cannot wait for a webgpu readback: there
   * each expert runs on its capacity, padded with unrouted tokens of weight 0.
   */
  readCounts?: boolean;
}

/** Per-step routing statistics of one layer (from its last forward pass). */
export interface MoEStats {
  /** Tokens N in the pass. */
  tokens: number;
  /** Tokens each expert processed (after the capacity cut). */
  load: number[];
  /** Mean number of experts that processed a token. */
  activeExperts: number;
  /** Fraction of tokens no expert processed (dropped by capacity, or picked by no expert). */
  droppedTokens: number;
  /** Fraction of routed (token, expert) pairs cut by the capacity. */
  droppedAssignments: number;
  /** Coefficient of variation (std / mean) of `load`: 0 when perfectly balanced. */
  loadCv: number;
  /** The load-balancing loss (weighted) of the pass. */
  loadBalancingLoss: number;
  /** The router z-loss (weighted) of the pass. */
  zLoss: number;
}

/**
 * A mixture-of-experts feed-forward layer: a gate routes each token to some of E expert FFNs
 * (SwiGLU, or an MLP around any activation of @nonlinear/activations) and the output is the
 * weighted sum of their outputs. Tokens are grouped by expert (see {@link dispatch}), so each
 * expert runs one pass over its own tokens; with a dense-to-sparse gate only the pairs whose
 * weight passes the threshold are computed. x [..., dim] -> [..., dim], a drop-in for nn's
 * `TransformerBlock` `ffn` option (see {@link moeFeedForward}).
 *
 * Each forward pass leaves the auxiliary loss (load balancing + z-loss, weighted) in
 * {@link MoELayer.lastAuxLoss} for the training loop to add ({@link moeAuxLoss} sums a model's),
 * and its statistics for {@link MoELayer.stats}. Names as Mixtral: `gate.weight`,
 * `experts.<i>.w1.weight`...
 */
export class MoELayer extends Module implements UnaryModule {
  /** Token width. */
  readonly dim: number;
  /** The router. */
  readonly gate: Gate;
  /** The E experts. */
  readonly experts: ModuleList<UnaryModule>;
  /** The capacity factor, or null for none. */
  readonly capacityFactor: number | null;
  /** alpha of the load-balancing loss. */
  readonly loadBalancingWeight: number;
  /** Weight of the z-loss. */
  readonly zLossWeight: number;
  /** Whether counts are read back before running the experts. */
  readonly readCounts: boolean;
  /**
   * The weighted auxiliary loss of the last forward pass (a scalar with its autograd graph), or
   * null before the first. Owned by the layer (a non-persistent buffer `auxLoss`, so not saved):
   * replaced and disposed by the next pass.
   */
  lastAuxLoss: Tensor | null = null;
  private lastStatsTensor: Tensor | null = null;
  private lastTokens = 0;

  constructor(dim: number, options: MoELayerOptions) {
    super();
    checkPositiveInt('MoELayer', 'dim', dim);
    if (options === null || typeof options !== 'object') throw new ValueError('MoELayer: options { numExperts, hidden, ... } are required');
    checkPositiveInt('MoELayer', 'numExperts', options.numExperts);
    checkPositiveInt('MoELayer', 'hidden', options.hidden);
    const cf = options.capacityFactor ?? null;
    if (cf !== null && !(typeof cf === 'number' && cf > 0 && Number.isFinite(cf))) throw new ValueError(`MoELayer: capacityFactor must be a finite number > 0 or null, got ${String(cf)}`);
    const lbw = options.loadBalancingWeight ?? 0.01;
    const zw = options.zLossWeight ?? 0.001;
    for (const [n, v] of [['loadBalancingWeight', lbw], ['zLossWeight', zw]] as const) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new ValueError(`MoELayer: ${n} must be a finite number >= 0, got ${String(v)}`);
    }
    this.dim = dim;
    this.capacityFactor = cf;
    this.loadBalancingWeight = lbw;
    this.zLossWeight = zw;
    const place = { device: options.device, dtype: options.dtype };
    try {
      const g = options.gate ?? 'topk';
      const gate = g instanceof Gate ? g : createGate(g, dim, options.numExperts, { ...options.gateOptions, ...place });
      this.gate = this.registerModule('gate', gate);
      if (gate.inFeatures !== dim || gate.numExperts !== options.numExperts) {
        throw new ShapeError(`MoELayer: the gate routes ${gate.inFeatures} features to ${gate.numExperts} experts, expected ${dim} to ${options.numExperts}`);
      }
      this.experts = this.registerModule('experts', new ModuleList<UnaryModule>());
      for (let i = 0; i < options.numExperts; i++) {
        this.experts.append(feedForward(options.expert ?? 'swiglu', dim, options.hidden, { ...place, bias: options.bias ?? false, activationOptions: options.activationOptions }));
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.readCounts = options.readCounts ?? typeof this.gate.weight.backend.readSync === 'function';
  }

  /** Number of experts E. */
  get numExperts(): number {
    return this.gate.numExperts;
  }

  /** Tokens each expert may take out of N (N when there is no capacity factor). */
  capacity(numTokens: number): number {
    const g = this.gate as Gate & { capacity?: (n: number) => number };
    if (typeof g.capacity === 'function') return g.capacity(numTokens);
    if (this.capacityFactor === null) return numTokens;
    return Math.min(numTokens, Math.ceil((this.capacityFactor * numTokens * this.gate.expertsPerToken(numTokens)) / this.numExperts));
  }

  /** [..., dim] -> [..., dim]. */
  forward(x: Tensor): Tensor {
    const name = `MoELayer(dim=${this.dim}, experts=${this.numExperts}, gate=${this.gate.kind})`;
    if (x === null || typeof x !== 'object' || !('shape' in x)) throw new ValueError(`${name}: input must be a Tensor, got ${x === null ? 'null' : typeof x}`);
    x.assertLive(name);
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.dim) throw new ShapeError(`${name}: expected input of shape [..., ${this.dim}], got [${x.shape.join(', ')}]`);
    return T.tidy(() => {
      const flat = x.reshape([-1, this.dim]);
      checkGateInput(name, flat, this.gate.weight, this.dim);
      const n = flat.shape[0]!;
      if (n === 0) throw new ShapeError(`${name}: no tokens (input [${x.shape.join(', ')}])`);
      const { out, aux, stats } = this.route(flat);
      // Non-persistent buffers (out of the state dict), so disposing a model that holds this
      // layer releases them and the graph the aux loss keeps.
      this.lastAuxLoss?.dispose();
      this.lastStatsTensor?.dispose();
      this.lastAuxLoss = this.registerBuffer('auxLoss', aux, { persistent: false });
      this.lastStatsTensor = this.registerBuffer('routingStats', stats, { persistent: false });
      this.lastTokens = n;
      return out.reshape(x.shape);
    });
  }

  private route(x: Tensor): { out: Tensor; aux: Tensor; stats: Tensor } {
    const n = x.shape[0]!;
    const { weights, mask, probs, logits } = this.gate.route(x);
    const routedCounts = T.sum(mask, 0);
    const counts = this.readCounts ? routedCounts.dataSync() : null;
    const { slots, processed } = dispatch(mask, this.capacity(n), counts);
    const pieces: Tensor[] = [];
    const rows: Tensor[] = [];
    let out: Tensor | null = null;
    slots.forEach((idx, i) => {
      if (!idx) return;
      if (idx === 'all') {
        // Every token, in order: no gather, no scatter.
        const y = this.experts.at(i).forward(x).mul(weights.narrow(1, i, 1));
        out = out ? out.add(y) : y;
        return;
      }
      const y = this.experts.at(i).forward(T.indexSelect(x, 0, idx));
      const w = T.indexSelect(weights.select(1, i), 0, idx).unsqueeze(1);
      pieces.push(y.mul(w));
      rows.push(idx);
    });
    if (pieces.length) {
      const y = T.concat(pieces, 0);
      const at = T.concat(rows, 0).unsqueeze(1).expand([y.shape[0]!, this.dim]);
      const base: Tensor = out ?? T.zeros([n, this.dim], { dtype: x.dtype, device: x.backend });
      out = T.scatterAdd(base, 0, at, y);
    }
    const result: Tensor = out ?? T.zeros([n, this.dim], { dtype: x.dtype, device: x.backend });
    const lb = this.loadBalancingWeight > 0 ? loadBalancingLoss(probs, mask, this.loadBalancingWeight) : T.zeros([], { dtype: x.dtype, device: x.backend });
    const z = this.zLossWeight > 0 ? routerZLoss(logits, this.zLossWeight) : T.zeros([], { dtype: x.dtype, device: x.backend });
    const aux = lb.add(z);
    // One vector, so reading the statistics is one readback: [load (E), routed pairs, processed pairs, unprocessed tokens, lb, z].
    const stats = T.noGrad(() => {
      const perToken = T.sum(processed, 1);
      return T.concat([
        T.sum(processed, 0), T.sum(routedCounts).reshape([1]), T.sum(perToken).reshape([1]), T.sum(T.cast(T.eq(perToken, 0), x.dtype)).reshape([1]),
        lb.detach().reshape([1]), z.detach().reshape([1]),
      ], 0);
    });
    return { out: result, aux, stats };
  }

  /** The routing statistics of the last forward pass (one readback), or null before the first. */
  async stats(): Promise<MoEStats | null> {
    const t = this.lastStatsTensor;
    if (!t) return null;
    const v = Array.from(await t.data());
    const e = this.numExperts;
    const n = this.lastTokens;
    const load = v.slice(0, e);
    const [routed, processed, unprocessed, lb, z] = v.slice(e) as [number, number, number, number, number];
    const m = load.reduce((a, b) => a + b, 0) / e;
    const sd = Math.sqrt(load.reduce((a, b) => a + (b - m) ** 2, 0) / e);
    return {
      tokens: n, load, activeExperts: processed / n, droppedTokens: unprocessed / n, droppedAssignments: routed > 0 ? (routed - processed) / routed : 0,
      loadCv: m > 0 ? sd / m : 0, loadBalancingLoss: lb, zLoss: z,
    };
  }

  override dispose(): void {
    this.lastAuxLoss?.dispose();
    this.lastStatsTensor?.dispose();
    this.lastAuxLoss = null;
    this.lastStatsTensor = null;
    super.dispose();
  }

  override extraRepr(): string {
    return `dim=${this.dim}, numExperts=${this.numExperts}, capacityFactor=${this.capacityFactor}, loadBalancingWeight=${this.loadBalancingWeight}, zLossWeight=${this.zLossWeight}`;
  }
}
