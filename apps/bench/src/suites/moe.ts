/**
 * The moe suite: a small mixture-of-experts language model on the activations study's corpus
 * (Debian's fortunes by default, bytes as tokens, the same loading and batching), nn's DecoderLM
 * with an @nonlinear/moe layer in every block. Gates compared: softmax top-2, the temperature
 * dense-to-sparse gate (EvoMoE, tau annealed) and the activation dense-to-sparse gate (Nguyen,
 * Akbarian, Ho, ICML 2024), each with the Switch load-balancing loss and the router z-loss; and a
 * dense model whose FFN has the active parameters of top-2 (SwiGLU with hidden k h). Reports loss
 * curves with seed bands, the expert load balance and the active experts per token over
 * training, and training tokens/s against the dense model.
 */
import { mulberry32 } from '@nonlinear/datasets';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { DecoderLM, clipGradNorm, sequenceCrossEntropy, type FeedForwardFactory } from '@nonlinear/nn';
import { feedForward, type FeedForwardKind } from '@nonlinear/activations';
import { moeAuxLoss, moeFeedForward, moeLayers, moeStats, setTemperature, temperatureSchedule, type BiasPlacement, type GateKind, type MoEStats } from '@nonlinear/moe';
import { barErrors, bandStats, lineBand, type BandPoint } from '../figures.js';
import { fmt, mean, median, std } from '../stats.js';
import { defineSuite, type BackendName, type Figure, type JsonObject, type Table, type UnitRecord } from '../suite.js';
import { trainDevice } from '../train-device.js';
import { batchOf, lmTraining, loadCorpus, splitCorpus, type Corpus, type LmTrainingConfig } from './activations-lm.js';

/** The models of the study: three gates and the dense baseline. */
const MODELS = ['top2', 'temperature', 'activation', 'dense'] as const;
type ModelName = (typeof MODELS)[number];
const EXPERT_KINDS = ['swiglu', 'polynorm', 'gelu', 'relu'] as const;
const SIGMAS = ['tanh', 'sigmoid', 'gelu'] as const;

/** What each model is, for the report. */
const DESCRIBE: Record<ModelName, string> = {
  top2: 'softmax top-2 (renormalised over the two)',
  temperature: 'temperature dense-to-sparse (softmax(z / tau), tau annealed, threshold)',
  activation: 'activation dense-to-sparse (softmax((sigma(z) + b) / tau), tau annealed, threshold)',
  dense: 'dense SwiGLU with the active FFN parameters of top-2',
};

interface MoeParams extends JsonObject {
  backend: BackendName | 'auto';
  model: ModelName;
  seed: number;
}

/** Configuration of one training run. */
export interface MoeRunConfig extends LmTrainingConfig {
  model: ModelName;
  seed: number;
  dim: number;
  layers: number;
  heads: number;
  experts: number;
  k: number;
  /** Each expert's SwiGLU-equivalent hidden width h. */
  expertHidden: number;
  expert: FeedForwardKind;
  tauMax: number;
  tauMin: number;
  /** Fraction of the steps over which tau falls from tauMax to tauMin. */
  annealFraction: number;
  schedule: 'exponential' | 'linear';
  threshold: number;
  sigma: string;
  biasPlacement: BiasPlacement;
  gumbel: boolean;
  loadBalancingWeight: number;
  zLossWeight: number;
  /** 0: no capacity limit. */
  capacityFactor: number;
}

const GATE_OF: Record<Exclude<ModelName, 'dense'>, GateKind> = { top2: 'topk', temperature: 'temperature', activation: 'activation' };

/** The `ffn` factory of a run's DecoderLM. */
function ffnOf(c: MoeRunConfig, device: Backend): FeedForwardFactory {
  if (c.model === 'dense') {
    // Equal active parameters: top-k runs k experts of 3 * dim * h weights each per token.
    return (dim) => feedForward(c.expert, dim, c.k * c.expertHidden, { device, bias: false });
  }
  return moeFeedForward({
    numExperts: c.experts, hidden: c.expertHidden, expert: c.expert, device, gate: GATE_OF[c.model],
    gateOptions: { k: c.k, tau: c.tauMax, threshold: c.threshold, activation: c.sigma, biasPlacement: c.biasPlacement, gumbel: c.gumbel },
    capacityFactor: c.capacityFactor > 0 ? c.capacityFactor : null, loadBalancingWeight: c.loadBalancingWeight, zLossWeight: c.zLossWeight,
  });
}

/** The statistics of every MoE layer, averaged over the layers (load fractions kept per layer). */
function meanStats(stats: MoEStats[]): { loadCv: number; activeExperts: number; droppedTokens: number; loads: number[][] } {
  return {
    loadCv: mean(stats.map((s) => s.loadCv)),
    activeExperts: mean(stats.map((s) => s.activeExperts)),
    droppedTokens: mean(stats.map((s) => s.droppedTokens)),
    loads: stats.map((s) => {
      const total = s.load.reduce((a, b) => a + b, 0);
      return s.load.map((v) => (total > 0 ? v / total : 0));
    }),
  };
}

/** Trains one model and returns its record: curves, routing statistics over training, throughput. */
export async function runMoeLm(c: MoeRunConfig, corpus: Corpus, device: Backend, log: (m: string) => void): Promise<JsonObject> {
  const { train, val } = splitCorpus(corpus, c);
  T.manualSeed(c.seed);
  const model = new DecoderLM({
    vocabSize: 256, dim: c.dim, numLayers: c.layers, numHeads: c.heads, maxSeqLen: c.seqLen, norm: 'rmsnorm', bias: false, device, ffn: ffnOf(c, device),
  });
  const isMoe = c.model !== 'dense';
  const tau = temperatureSchedule({ kind: c.schedule, tauMax: c.tauMax, tauMin: c.tauMin, steps: Math.max(1, c.annealFraction * c.steps) });
  // The validation batches are the same as the activations study's.
  const { opt, sched, valBatches, evaluate } = lmTraining(model, val, c, device);
  const trainCurve: [number, number][] = [];
  const valCurve: [number, number][] = [[0, await evaluate()]];
  const loadCvCurve: [number, number][] = [];
  const activeCurve: [number, number][] = [];
  const droppedCurve: [number, number][] = [];
  const auxCurve: [number, number][] = [];
  const tauCurve: [number, number][] = [];
  let lastLoads: number[][] = [];
  const next = mulberry32(c.seed * 1_000_003 + 29);
  let acc: Tensor | null = null;
  let accAux: Tensor | null = null;
  let accSteps = 0;
  let trainMs = 0;
  let t0 = performance.now();
  for (let step = 1; step <= c.steps; step++) {
    if (isMoe) setTemperature(model, tau(step - 1));
    const batch = batchOf(train, c.batch, c.seqLen, next, device);
    opt.zeroGrad();
    const ce = T.tidy(() => sequenceCrossEntropy(model.forward(batch.narrow(1, 0, c.seqLen)), batch.narrow(1, 1, c.seqLen).contiguous()));
    const aux = isMoe ? moeAuxLoss(model) : null;
    const loss = aux ? T.tidy(() => ce.add(aux)) : ce;
    loss.backward();
    clipGradNorm(model.parameters(), c.clip).dispose();
    opt.step();
    sched.step();
    // Running sums on the device: read back only every logEvery steps.
    const pa: Tensor | null = acc;
    const px: Tensor | null = accAux;
    acc = T.noGrad((): Tensor => T.tidy(() => (pa ? pa.add(ce.detach()) : ce.detach().add(0))));
    if (aux) accAux = T.noGrad((): Tensor => T.tidy(() => (px ? px.add(aux.detach()) : aux.detach().add(0))));
    T.dispose([pa, px]);
    accSteps++;
    if (loss !== ce) loss.dispose();
    T.dispose([ce, aux, batch]);
    if (step % c.logEvery === 0 || step === c.steps) {
      const meanCe = (await acc!.item()) / accSteps;
      const meanAux = accAux ? (await accAux.item()) / accSteps : 0;
      const stats = isMoe ? meanStats(await moeStats(model)) : null;
      trainMs += performance.now() - t0;
      T.dispose([acc, accAux]);
      acc = null;
      accAux = null;
      accSteps = 0;
      if (!Number.isFinite(meanCe)) log(`${c.model} seed ${c.seed}: train loss ${meanCe} at step ${step}`);
      trainCurve.push([step, meanCe]);
      if (stats) {
        loadCvCurve.push([step, stats.loadCv]);
        activeCurve.push([step, stats.activeExperts]);
        droppedCurve.push([step, stats.droppedTokens]);
        auxCurve.push([step, meanAux]);
        tauCurve.push([step, tau(step - 1)]);
        lastLoads = stats.loads;
      }
      if (step % c.evalEvery === 0 || step === c.steps) {
        const v = await evaluate();
        valCurve.push([step, v]);
        log(`${c.model} seed ${c.seed}: step ${step}/${c.steps}, train ${meanCe.toFixed(4)}, val ${v.toFixed(4)}${stats ? `, active experts ${stats.activeExperts.toFixed(2)}, load CV ${stats.loadCv.toFixed(3)}` : ''}`);
      }
      t0 = performance.now();
    }
  }
  // Parameters a token runs through: everything but the experts, plus the experts it is routed to.
  const total = model.numParameters();
  const layers = moeLayers(model);
  const expertParams = layers.length ? layers[0]!.experts.at(0).numParameters() : 0;
  const allExperts = layers.reduce((s, l) => s + l.experts.numParameters(), 0);
  const finalActive = activeCurve.length ? activeCurve[activeCurve.length - 1]![1] : 0;
  const activeParams = isMoe ? total - allExperts + layers.length * finalActive * expertParams : total;
  const finalVal = valCurve[valCurve.length - 1]![1];
  const record: JsonObject = {
    model: c.model, seed: c.seed, device: device.name, adapter: device.description,
    params: total, activeParams, expertParams, experts: isMoe ? c.experts : 0,
    trainCurve, valCurve, loadCvCurve, activeCurve, droppedCurve, auxCurve, tauCurve, finalLoads: lastLoads,
    finalTrainLoss: trainCurve[trainCurve.length - 1]![1], finalValLoss: finalVal, finalValPpl: Math.exp(finalVal),
    finalActiveExperts: isMoe ? finalActive : null, finalLoadCv: loadCvCurve.length ? loadCvCurve[loadCvCurve.length - 1]![1] : null,
    finalDroppedTokens: droppedCurve.length ? droppedCurve[droppedCurve.length - 1]![1] : null,
    tokensPerSecond: (c.steps * c.batch * c.seqLen) / (trainMs / 1000), trainSeconds: trainMs / 1000, tokensSeen: c.steps * c.batch * c.seqLen,
  };
  opt.dispose();
  T.dispose(valBatches);
  model.dispose();
  return record;
}

let corpusCache: { path: string; corpus: Corpus } | null = null;

export const moeSuite = defineSuite({
  name: 'moe',
  description: 'MoE language model on a text corpus: softmax top-2 vs temperature and activation dense-to-sparse gates (with load-balancing and z-losses) vs a dense model of equal active parameters',
  paper: { title: 'Nguyen, Akbarian, Ho, Is Temperature Sample Efficient for Softmax Gaussian Mixture of Experts? (ICML 2024)', url: 'https://arxiv.org/abs/2401.13875' },
  options: {
    corpus: { type: 'string', default: '', description: "text for the LM: a file or a directory of files ('' = Debian's fortunes, /usr/share/games/fortunes)" },
    models: { type: 'enum[]', values: MODELS, default: [...MODELS], description: 'top2: softmax top-2; temperature / activation: the dense-to-sparse gates; dense: the dense baseline of equal active parameters' },
    moeSeeds: { type: 'int', min: 1, max: 100, default: 3, quick: 2, description: "seeds per model (the frame's --seeds is not used)" },
    lmBackend: { type: 'enum', values: ['auto', 'webgpu', 'cpu'] as const, default: 'auto', description: 'backend (auto: webgpu on a hardware adapter, cpu without one or on a software adapter)' },
    dim: { type: 'int', min: 8, max: 4096, default: 128, quick: 32, description: 'model width' },
    layers: { type: 'int', min: 1, max: 64, default: 4, quick: 2, description: 'blocks (each with an MoE layer)' },
    heads: { type: 'int', min: 1, max: 64, default: 4, quick: 2, description: 'attention heads (must divide dim)' },
    experts: { type: 'int', min: 2, max: 256, default: 8, quick: 4, description: 'experts per MoE layer' },
    k: { type: 'int', min: 1, max: 16, default: 2, description: 'experts per token of the top-k gate (and the dense baseline has k expert widths)' },
    expertHidden: { type: 'int', min: 2, max: 65536, default: 128, quick: 32, description: "each expert's SwiGLU hidden width h (two-matrix experts get 3h/2)" },
    expert: { type: 'enum', values: EXPERT_KINDS, default: 'swiglu', description: 'the experts\' FFN block (parameter-matched as in the PolyCom MoE experiments)' },
    seqLen: { type: 'int', min: 4, max: 4096, default: 128, quick: 32, description: 'bytes per training sequence' },
    batch: { type: 'int', min: 1, max: 4096, default: 16, quick: 4, description: 'sequences per step' },
    steps: { type: 'int', min: 1, max: 1_000_000, default: 2000, quick: 120, description: 'training steps' },
    lr: { type: 'number', min: 0, max: 1, default: 2e-3, quick: 3e-3, description: 'peak learning rate (AdamW, betas 0.9, 0.95)' },
    minLr: { type: 'number', min: 0, max: 1, default: 2e-4, quick: 3e-4, description: 'final learning rate of the cosine schedule' },
    warmupSteps: { type: 'int', min: 0, max: 1_000_000, default: 100, quick: 15, description: 'linear warm-up steps' },
    weightDecay: { type: 'number', min: 0, max: 10, default: 0.1, description: 'decoupled weight decay of matrices and embeddings' },
    clip: { type: 'number', min: 0, max: 1e6, default: 1, description: 'gradient clipping (global L2 norm)' },
    evalEvery: { type: 'int', min: 1, max: 1_000_000, default: 200, quick: 40, description: 'steps between validation evaluations' },
    evalBatches: { type: 'int', min: 1, max: 10000, default: 16, quick: 2, description: 'validation batches (fixed, the same for every run)' },
    logEvery: { type: 'int', min: 1, max: 1_000_000, default: 20, quick: 10, description: 'steps per point of the training curves (mean over them)' },
    tauMax: { type: 'number', min: 1e-6, max: 1e6, default: 2, description: 'temperature at step 0 (EvoMoE: 2)' },
    tauMin: { type: 'number', min: 1e-6, max: 1e6, default: 0.3, quick: 0.05, description: 'temperature after annealing (EvoMoE: 0.3; quick: 0.05, so the short run reaches the sparse regime)' },
    annealFraction: { type: 'number', min: 0, max: 1, default: 0.5, description: 'fraction of the steps over which tau falls from tauMax to tauMin' },
    schedule: { type: 'enum', values: ['exponential', 'linear'] as const, default: 'exponential', description: 'the annealing schedule of tau' },
    threshold: { type: 'number', min: 0, max: 0.999, default: 0.01, description: 'dense-to-sparse gates skip experts whose weight is below this (EvoMoE: 0.001)' },
    sigma: { type: 'enum', values: SIGMAS, default: 'tanh', description: 'the activation gate\'s sigma' },
    biasPlacement: { type: 'enum', values: ['outside', 'inside'] as const, default: 'outside', description: "the activation gate's bias: softmax((sigma(z) + b) / tau) or softmax(sigma(z + b) / tau)" },
    gumbel: { type: 'boolean', default: false, description: 'Gumbel noise in the temperature gate (EvoMoE)' },
    loadBalancingWeight: { type: 'number', min: 0, max: 10, default: 0.01, description: 'alpha of the Switch load-balancing loss' },
    zLossWeight: { type: 'number', min: 0, max: 10, default: 0.001, description: 'weight of the router z-loss' },
    capacityFactor: { type: 'number', min: 0, max: 100, default: 0, description: 'expert capacity factor (0: no limit, no token dropped)' },
  },

  units(o) {
    // 'auto' is resolved when a unit runs (it needs the adapter).
    return Array.from({ length: o.moeSeeds }, (_, seed) => o.models.map((model) => {
      const params: MoeParams = { backend: o.lmBackend as MoeParams['backend'], model, seed };
      return { id: `lm/${o.lmBackend}/${model}/seed-${seed}`, params };
    })).flat();
  },

  async run(unit, ctx) {
    const o = ctx.options;
    const p = unit.params as MoeParams;
    const device = await trainDevice(p.backend, ctx);
    if (o.dim % o.heads !== 0) throw new Error(`--dim ${o.dim} must be a multiple of --heads ${o.heads}`);
    if (o.k > o.experts) throw new Error(`--k ${o.k} is larger than --experts ${o.experts}`);
    if (o.tauMin > o.tauMax) throw new Error(`--tau-min ${o.tauMin} is larger than --tau-max ${o.tauMax}`);
    if (!corpusCache || corpusCache.path !== o.corpus) corpusCache = { path: o.corpus, corpus: loadCorpus(o.corpus) };
    const c: MoeRunConfig = {
      model: p.model, seed: p.seed, dim: o.dim, layers: o.layers, heads: o.heads, experts: o.experts, k: o.k, expertHidden: o.expertHidden, expert: o.expert as FeedForwardKind,
      seqLen: o.seqLen, batch: o.batch, steps: o.steps, lr: o.lr, minLr: o.minLr, warmup: o.warmupSteps, weightDecay: o.weightDecay, clip: o.clip,
      evalEvery: o.evalEvery, evalBatches: o.evalBatches, logEvery: o.logEvery, tauMax: o.tauMax, tauMin: o.tauMin, annealFraction: o.annealFraction,
      schedule: o.schedule as MoeRunConfig['schedule'], threshold: o.threshold, sigma: o.sigma, biasPlacement: o.biasPlacement as BiasPlacement, gumbel: o.gumbel,
      loadBalancingWeight: o.loadBalancingWeight, zLossWeight: o.zLossWeight, capacityFactor: o.capacityFactor, valFraction: 0.1,
    };
    const r = await runMoeLm(c, corpusCache.corpus, device, ctx.log);
    return { corpus: corpusCache.corpus.source, corpusBytes: corpusCache.corpus.bytes.length, corpusFiles: corpusCache.corpus.files, ...r };
  },

  brief(r) {
    const active = r.finalActiveExperts === null ? '' : `, ${fmt(r.finalActiveExperts as number)} experts/token`;
    return `val loss ${fmt(r.finalValLoss as number, 4)}${active}, ${fmt(r.tokensPerSecond as number)} tokens/s`;
  },

  summarize(records) {
    return summarizeMoe(records);
  },
});

type Rows = Record<string, string | number | boolean | null>[];

const spread = (xs: number[], digits = 4): string => (xs.length > 1 ? `${fmt(mean(xs), digits)} ± ${fmt(std(xs), 2)}` : fmt(xs[0] ?? null, digits));

/** Exported for tests: the suite's tables, figures and notes from its records. */
export function summarizeMoe(records: readonly UnitRecord[]): { rows: Rows; tables: Table[]; figures: Figure[]; notes: string } {
  if (!records.length) return { rows: [], tables: [], figures: [], notes: '' };
  const models: string[] = [];
  const by = new Map<string, JsonObject[]>();
  for (const r of records) {
    const m = r.data.model as string;
    if (!models.includes(m)) models.push(m);
    by.set(m, [...(by.get(m) ?? []), r.data]);
  }
  const stat = (m: string, f: (d: JsonObject) => number | null): number[] => (by.get(m) ?? []).map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const meanOf = (xs: number[]): number => (xs.length ? mean(xs) : NaN);
  const order = [...models].sort((a, b) => meanOf(stat(a, (d) => d.finalValLoss as number)) - meanOf(stat(b, (d) => d.finalValLoss as number)));
  const denseRate = by.has('dense') ? median(stat('dense', (d) => d.tokensPerSecond as number)) : null;
  const rows: Rows = order.map((m) => {
    const val = stat(m, (d) => d.finalValLoss as number);
    const rate = median(stat(m, (d) => d.tokensPerSecond as number));
    const first = by.get(m)![0]!;
    const active = stat(m, (d) => d.finalActiveExperts as number | null);
    const cv = stat(m, (d) => d.finalLoadCv as number | null);
    const dropped = stat(m, (d) => d.finalDroppedTokens as number | null);
    return {
      model: m, seeds: val.length, params: first.params as number, active_params_mean: meanOf(stat(m, (d) => d.activeParams as number)),
      val_loss_mean: meanOf(val), val_loss_std: val.length > 1 ? std(val) : null, val_ppl_mean: meanOf(val.map(Math.exp)),
      train_loss_mean: meanOf(stat(m, (d) => d.finalTrainLoss as number)),
      tokens_per_s_median: rate, tokens_per_s_vs_dense: denseRate ? rate / denseRate : null,
      active_experts_final: active.length ? meanOf(active) : null, load_cv_final: cv.length ? meanOf(cv) : null, dropped_tokens_final: dropped.length ? meanOf(dropped) : null,
    };
  });
  const first = records[0]!.data;
  const table: Table = {
    title: 'MoE language model: final losses, routing and throughput',
    columns: ['rank', 'model', 'params', 'active params/token', 'seeds', 'val loss (mean ± std)', 'val ppl', 'train loss', 'active experts/token', 'load CV', 'dropped tokens', 'tokens/s', 'tokens/s ÷ dense'],
    rows: rows.map((r, i) => [
      i + 1, r.model as string, r.params as number, fmt(r.active_params_mean as number), r.seeds as number, spread(stat(r.model as string, (d) => d.finalValLoss as number)),
      fmt(r.val_ppl_mean as number, 4), fmt(r.train_loss_mean as number, 4), fmt(r.active_experts_final as number | null), fmt(r.load_cv_final as number | null),
      fmt(r.dropped_tokens_final as number | null), fmt(r.tokens_per_s_median as number), fmt(r.tokens_per_s_vs_dense as number | null),
    ]),
    caption: `Per-byte cross-entropy on ${String(first.corpus)} (${first.corpusBytes as number} bytes, last 10% held out), after the last step; ± is the sample std over seeds. ` +
      'active params/token: the non-expert parameters plus the experts a token ran through (measured active experts/token at the end × expert size). ' +
      'load CV: std / mean of the tokens each expert processed in the last logged step (0 = perfectly balanced), mean over layers and seeds. ' +
      `tokens/s: training throughput (median over seeds) on ${String(first.device)} (${String(first.adapter)}); the ratio is to the dense model of equal active parameters.`,
  };
  const models2 = order.map((m) => [m, DESCRIBE[m as ModelName] ?? m]);
  const legend: Table = { title: 'Models', columns: ['model', 'what it is'], rows: models2 };
  const points = (key: string, moeOnly = false): BandPoint[] => records
    .filter((r) => !moeOnly || r.data.model !== 'dense')
    .flatMap((r) => ((r.data[key] as [number, number][] | undefined) ?? []).map(([x, y]) => ({ x, y, series: r.data.model as string, seed: r.data.seed as number })));
  const valPoints = points('valCurve');
  const figures: Figure[] = [
    { name: 'val-loss', title: 'Validation loss', spec: lineBand(valPoints, { title: 'Validation loss (per byte)', subtitle: 'mean ± std over seeds', xTitle: 'step', yTitle: 'cross-entropy (nats/byte)', seriesTitle: 'model' }) },
    { name: 'train-loss', title: 'Training loss', spec: lineBand(points('trainCurve'), { title: 'Training loss (per byte, without the auxiliary losses)', subtitle: 'mean ± std over seeds', xTitle: 'step', yTitle: 'cross-entropy (nats/byte)', seriesTitle: 'model' }) },
    { name: 'load-balance', title: 'Expert load balance', spec: lineBand(points('loadCvCurve', true), { title: 'Expert load imbalance over training', subtitle: 'coefficient of variation of tokens per expert (0 = balanced), mean over layers; band: ± std over seeds', xTitle: 'step', yTitle: 'load CV', seriesTitle: 'gate' }) },
    { name: 'active-experts', title: 'Active experts per token', spec: lineBand(points('activeCurve', true), { title: 'Experts per token over training', subtitle: 'dense-to-sparse gates start dense and shed experts as tau falls; mean ± std over seeds', xTitle: 'step', yTitle: 'experts per token', seriesTitle: 'gate' }) },
    { name: 'throughput', title: 'Training throughput', spec: barErrors(records.map((r) => ({ category: r.data.model as string, value: r.data.tokensPerSecond as number })), { title: 'Training throughput', subtitle: 'bar: median over seeds; error bar: 25th-75th percentile', yTitle: 'tokens/s' }) },
  ];
  const lastStep = Math.max(...valPoints.map((p) => p.x));
  const finalBand = bandStats(valPoints.filter((p) => p.x === lastStep));
  const best = order[0]!;
  const gap = (a: string, b: string): string => {
    const [x, y] = [stat(a, (d) => d.finalValLoss as number), stat(b, (d) => d.finalValLoss as number)];
    if (!x.length || !y.length) return '';
    const se = Math.sqrt((x.length > 1 ? std(x) ** 2 / x.length : 0) + (y.length > 1 ? std(y) ** 2 / y.length : 0));
    const d = meanOf(y) - meanOf(x);
    return `${b} − ${a} = ${fmt(d, 3)} (${se > 0 ? `${fmt(d / se, 2)} standard errors` : 'one seed'})`;
  };
  const pairs = [['activation', 'temperature'], ['top2', 'dense'], ['activation', 'top2']].filter(([a, b]) => by.has(a!) && by.has(b!)).map(([a, b]) => gap(a!, b!));
  const rate = (m: string): number | null => (rows.find((r) => r.model === m)?.tokens_per_s_vs_dense as number | null | undefined) ?? null;
  const notes = [
    `Measured order by mean final validation loss, best first: **${order.join(' < ')}** (step ${lastStep}, ${records.length} runs, ${finalBand.length} models). ` +
      (pairs.length ? `Differences in mean final validation loss (negative: the first named is better; standard error from the seed spread): ${pairs.join('; ')}.` : ''),
    'Against the paper: its results are about parameter estimation in a Gaussian MoE (the temperature gate\'s estimation rates fall below every polynomial, the ' +
      'activation gate\'s are polynomial), not about language models, so this study is not a replication: it asks whether the activation gate also helps a small ' +
      'MoE LM trained with the same annealing as the temperature gate. A gap of under two standard errors does not order two gates.' +
      (best === 'activation' ? ' Here the activation gate came out best.' : ''),
    `Throughput: ${['top2', 'temperature', 'activation'].filter((m) => rate(m) !== null).map((m) => `${m} ${fmt(rate(m))}×`).join(', ')} the dense model's tokens/s. ` +
      'The dense-to-sparse gates run every expert whose weight passes the threshold, so while tau is high they cost up to E/k times top-2; the MoE layer also pays ' +
      'for the routing (a top-k over tokens per expert, gathers and one scatter-add) and, on the cpu backend, one readback of the per-expert counts per layer and step. ' +
      'Throughput on a machine shared with other work varies from run to run: compare the ratios of one run, not across runs.',
  ].join('\n\n');
  return { rows, tables: [legend, table], figures, notes };
}
