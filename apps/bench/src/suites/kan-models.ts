/**
 * The models of the kan suite: every variant of @nonlinear/kan with its defaults (the reference
 * harness's configurations), a ReLU-KAN narrowed to AF-KAN's parameter count (the paper's
 * "equal parameters" comparison), the AF-KAN ablations, and the MLP of matched parameter count
 * each variant's speed is compared with.
 */
import type { Backend } from '@nonlinear/tensor';
import { ValueError } from '@nonlinear/tensor';
import { buildKAN, type AFKANActivation, type AFKANFunction, type AFKANReduction, type KANModel, type KANVariant } from '@nonlinear/kan';
import type { JsonObject } from '../suite.js';

/** AF-KAN as the paper's default run: g = k = 3, SiLU, quad1, global attention, LayerNorm. */
export const AFKAN_DEFAULTS = { gridSize: 3, splineOrder: 3, activation: 'silu', functionType: 'quad1', methods: ['global_attn'], norm: 'layer' } as const;

/** The reduction settings the ablation can run: one method, or all three combined by sum. */
export const REDUCTION_SETS = ['global_attn', 'spatial_attn', 'multistep', 'all'] as const;
/** A reduction setting of the ablation. */
export type ReductionSet = (typeof REDUCTION_SETS)[number];

/** The extra model beside the variants: ReLU-KAN with the hidden width that matches AF-KAN's parameters. */
export const RELUKAN_MATCHED = 'relukan-matched';

/** What a trained model is, as stored in a unit's params (JSON). */
export interface ModelSpec extends JsonObject {
  /** Stable name in unit ids and tables (`afkan`, `relukan-matched`, `afkan-act-relu`...). */
  key: string;
  variant: KANVariant;
  /** The options given to buildKAN (without the device). */
  options: JsonObject;
  /** 'main': a variant or the matched ReLU-KAN; otherwise the AF-KAN ablation axis. */
  group: 'main' | 'activation' | 'function' | 'grid' | 'reduction';
  /** The ablated value, as shown in tables ('' for the main models). */
  value: string;
  /** Match the hidden width to this model's parameter count (the matched ReLU-KAN); null: the suite's hidden width. */
  matchParamsOf: ModelSpec | null;
}

/** The options each variant is trained with: the package defaults, AF-KAN's spelled out. */
export function variantOptions(variant: KANVariant): JsonObject {
  if (variant === 'afkan') return { ...AFKAN_DEFAULTS, methods: [...AFKAN_DEFAULTS.methods] };
  // The reference harness's MLP baseline: SiLU after LayerNorm, the builder's default.
  if (variant === 'mlp') return { activation: 'silu' };
  return {};
}

/** A main model: a variant with its defaults. */
export function mainModel(variant: KANVariant): ModelSpec {
  return { key: variant, variant, options: variantOptions(variant), group: 'main', value: '', matchParamsOf: null };
}

/** ReLU-KAN (its default g = 5, k = 3) narrowed until its parameter count is closest to AF-KAN's. */
export function matchedReluKan(): ModelSpec {
  return { key: RELUKAN_MATCHED, variant: 'relukan', options: {}, group: 'main', value: '', matchParamsOf: mainModel('afkan') };
}

/** The AF-KAN ablations: the default model with one setting changed (the default value itself is the main run). */
export function ablationModels(o: { activations: readonly string[]; functions: readonly string[]; grids: readonly number[]; reductions: readonly string[] }): ModelSpec[] {
  const base = variantOptions('afkan');
  const out: ModelSpec[] = [];
  const add = (group: ModelSpec['group'], value: string, key: string, options: JsonObject): void => {
    out.push({ key: `afkan-${key}`, variant: 'afkan', options: { ...base, ...options }, group, value, matchParamsOf: null });
  };
  for (const a of o.activations) if (a !== AFKAN_DEFAULTS.activation) add('activation', a, `act-${a}`, { activation: a as AFKANActivation });
  for (const f of o.functions) if (f !== AFKAN_DEFAULTS.functionType) add('function', f, `fn-${f}`, { functionType: f as AFKANFunction });
  if (o.grids.length % 2 !== 0) throw new ValueError(`kan: --ablate-grids needs G,K pairs, got ${o.grids.length} numbers`);
  for (let i = 0; i < o.grids.length; i += 2) {
    const [g, k] = [o.grids[i]!, o.grids[i + 1]!];
    if (g === AFKAN_DEFAULTS.gridSize && k === AFKAN_DEFAULTS.splineOrder) continue;
    add('grid', `g=${g}, k=${k}`, `grid-${g}x${k}`, { gridSize: g, splineOrder: k });
  }
  for (const r of o.reductions) {
    if (r === 'global_attn') continue;
    const methods: AFKANReduction[] = r === 'all' ? ['global_attn', 'spatial_attn', 'multistep'] : [r as AFKANReduction];
    add('reduction', r === 'all' ? 'all three, summed' : r, `red-${r}`, { methods, combine: 'sum' });
  }
  return out;
}

/** Builds `[inputs, hidden, classes]` of a variant with JSON options on a device. */
export function buildModel(variant: KANVariant, options: JsonObject, widths: readonly number[], device: Backend): KANModel {
  return buildKAN(widths, variant, { ...(options as object), device } as never);
}

/**
 * The hidden width h whose model `[inputs, h, classes]` has the parameter count closest to
 * `target` (ties: the smaller h). The count is linear in h for every stack here, so two builds
 * give the line and the neighbours of its solution are checked by building them.
 */
export function matchHidden(variant: KANVariant, options: JsonObject, target: number, inputs: number, classes: number, device: Backend): { hidden: number; params: number } {
  const count = (h: number): number => {
    const m = buildModel(variant, options, [inputs, h, classes], device);
    try {
      return m.usedParameterCount();
    } finally {
      m.dispose();
    }
  };
  const p1 = count(1);
  const slope = count(2) - p1;
  if (!(slope > 0)) throw new ValueError(`kan: the parameter count of ${variant} does not grow with the hidden width`);
  const guess = Math.max(1, Math.round((target - p1) / slope) + 1);
  let best = { hidden: guess, params: count(guess) };
  for (const h of [guess - 1, guess + 1]) {
    if (h < 1) continue;
    const p = count(h);
    const better = Math.abs(p - target) < Math.abs(best.params - target) || (Math.abs(p - target) === Math.abs(best.params - target) && h < best.hidden);
    if (better) best = { hidden: h, params: p };
  }
  return best;
}
