/**
 * The kan suite (AF-KAN, Ta et al. 2025): every variant of @nonlinear/kan on MNIST and
 * Fashion-MNIST with the paper's protocol (784-64-10, batch 64, AdamW lr 1e-3 wd 1e-4,
 * ExponentialLR 0.8 per epoch, 25 / 35 epochs, pixels in [-1, 1]), shuffled, reporting the final
 * epoch on the held-out test split (and the best epoch, labelled); accuracy and macro F1 over
 * seeds, parameters, FLOPs, training time; forward+backward per batch against the MLP of matched
 * parameter count on each backend; the AF-KAN ablations; and a verdict on each of the paper's
 * claims computed from the measurements by a stated rule.
 *
 * Cells: one per (dataset, model, seed) for training and one per (backend, variant) for speed,
 * so a killed run resumes at the cell it was in and shards split the work.
 */
import { join } from 'node:path';
import { AFKAN_ACTIVATIONS, AFKAN_FUNCTIONS, kanVariants, type KANVariant } from '@nonlinear/kan';
import { fmt } from '../stats.js';
import { defineSuite, type BackendName, type JsonObject, type Unit } from '../suite.js';
import { trainDevice } from '../train-device.js';
import { ablationModels, buildModel, mainModel, matchedReluKan, matchHidden, REDUCTION_SETS, RELUKAN_MATCHED, type ModelSpec } from './kan-models.js';
import { summarizeKan } from './kan-summary.js';
import { KAN_DATASETS, loadSplits, measureSpeed, trainRun, type KanDataset } from './kan-train.js';

const PARTS = ['main', 'ablation', 'speed'] as const;
const MODELS = [...kanVariants(), RELUKAN_MATCHED] as const;

interface TrainParams extends JsonObject {
  part: 'main' | 'ablation';
  backend: BackendName | 'auto';
  dataset: KanDataset;
  model: ModelSpec;
  seed: number;
}

interface SpeedParams extends JsonObject {
  part: 'speed';
  backend: BackendName;
  model: ModelSpec;
}

/** The kan suite, as the registry holds it. */
export const kanSuite = defineSuite({
  name: 'kan',
  description: 'AF-KAN and the KAN family (ReLU-KAN, EfficientKAN, FastKAN, FasterKAN, ChebyKAN, FourierKAN, BSRBF-KAN) against the MLP on MNIST and Fashion-MNIST: accuracy, macro F1, parameters, FLOPs, training time, forward+backward against a parameter-matched MLP, AF-KAN ablations',
  paper: { title: 'Ta et al., AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks for Efficient Representation Learning (2025)', url: 'https://arxiv.org/abs/2503.06112' },
  options: {
    parts: { type: 'enum[]', values: PARTS, default: [...PARTS], description: 'main: every model on every dataset; ablation: the AF-KAN ablations; speed: forward+backward against the parameter-matched MLP on each backend' },
    datasets: { type: 'enum[]', values: KAN_DATASETS, default: [...KAN_DATASETS], description: 'mnist, fashion (Fashion-MNIST)' },
    models: { type: 'enum[]', values: MODELS, default: [...MODELS], description: `the main models: the variants with their defaults, and ${RELUKAN_MATCHED} (ReLU-KAN, g = 5, k = 3, its hidden width narrowed to AF-KAN's parameter count)` },
    kanSeeds: { type: 'int', min: 1, max: 100, default: 3, quick: 1, description: "seeds per model and dataset (the frame's --seeds is not used)" },
    hidden: { type: 'int', min: 1, max: 4096, default: 64, description: 'hidden width: the models are 784-hidden-10' },
    epochsMnist: { type: 'int', min: 1, max: 1000, default: 25, quick: 2, description: 'training epochs on MNIST (the paper: 25)' },
    epochsFashion: { type: 'int', min: 1, max: 1000, default: 35, quick: 2, description: 'training epochs on Fashion-MNIST (the paper: 35)' },
    trainSize: { type: 'int', min: 0, max: 60000, default: 0, quick: 1000, description: 'training images, a fixed seeded subset (0: all 60,000)' },
    testSize: { type: 'int', min: 0, max: 10000, default: 0, quick: 500, description: 'test images, a fixed seeded subset (0: all 10,000)' },
    batch: { type: 'int', min: 1, max: 65536, default: 64, description: 'training batch (the paper: 64); also the batch of the speed measurement' },
    lr: { type: 'number', min: 0, max: 1, default: 1e-3, description: 'AdamW learning rate (the paper: 1e-3)' },
    weightDecay: { type: 'number', min: 0, max: 10, default: 1e-4, description: 'AdamW weight decay, on every parameter as the reference harness (the paper: 1e-4)' },
    gamma: { type: 'number', min: 0, max: 1, default: 0.8, description: 'ExponentialLR gamma, applied after each epoch (the paper: 0.8)' },
    maxBatches: { type: 'int', min: 0, max: 1_000_000, default: 0, description: 'stop each epoch after this many batches (0: the whole epoch; for smoke tests)' },
    checkpoint: { type: 'boolean', default: true, quick: false, description: 'save each training cell after every epoch in the run directory (kan-checkpoints/), so a killed cell resumes at its last epoch' },
    evalBatch: { type: 'int', min: 1, max: 65536, default: 1000, description: 'images per evaluation batch' },
    trainBackend: { type: 'enum', values: ['auto', 'webgpu', 'cpu'] as const, default: 'auto', description: 'backend of the training cells (auto: webgpu on a hardware adapter, cpu without one or on a software adapter)' },
    ablationDatasets: { type: 'enum[]', values: KAN_DATASETS, default: [...KAN_DATASETS], quick: ['mnist'], description: 'datasets of the AF-KAN ablations' },
    ablateActivations: { type: 'enum[]', values: AFKAN_ACTIVATIONS, default: [...AFKAN_ACTIVATIONS], quick: ['relu'], description: 'activations A of the ablation (silu, the default, is the main run; list only silu for none)' },
    ablateFunctions: { type: 'enum[]', values: AFKAN_FUNCTIONS, default: [...AFKAN_FUNCTIONS], quick: ['prod'], description: 'function types F of the ablation (quad1, the default, is the main run; list only quad1 for none)' },
    ablateGrids: { type: 'int[]', min: 0, max: 64, default: [1, 1, 3, 1, 3, 2, 5, 3, 8, 3], quick: [5, 3], description: 'grid size and order as G,K pairs, flattened (3,3, the default, is the main run; 3,3 alone for none)' },
    ablateReductions: { type: 'enum[]', values: REDUCTION_SETS, default: [...REDUCTION_SETS], quick: ['multistep'], description: 'reductions of the ablation (global_attn, the default, is the main run; all: the three methods summed)' },
    speedReps: { type: 'int', min: 1, max: 10000, default: 20, quick: 3, description: 'timed forward+backward repetitions per model (alternating with its matched MLP)' },
    speedWarmup: { type: 'int', min: 0, max: 1000, default: 3, quick: 1, description: 'untimed repetitions before the timed ones' },
  },

  units(o, common) {
    const units: Unit[] = [];
    // 'auto' is resolved when a cell runs (it needs the adapter); without webgpu it is cpu.
    const backend = o.trainBackend === 'auto' ? (common.backends.includes('webgpu') ? 'auto' : 'cpu') : o.trainBackend;
    const mains = o.models.map((m) => (m === RELUKAN_MATCHED ? matchedReluKan() : mainModel(m as KANVariant)));
    const ablations = ablationModels({ activations: o.ablateActivations, functions: o.ablateFunctions, grids: o.ablateGrids, reductions: o.ablateReductions });
    if (o.parts.includes('speed')) {
      for (const b of common.backends) {
        for (const model of mains) {
          if (model.matchParamsOf) continue;
          const params: SpeedParams = { part: 'speed', backend: b, model };
          units.push({ id: `speed/${b}/${model.key}`, params });
        }
      }
    }
    // Seeds outermost, so a partial run (or the first shards) has every model once before any twice.
    const train = (part: TrainParams['part'], datasets: readonly string[], models: ModelSpec[], seed: number): void => {
      if (!o.parts.includes(part)) return;
      for (const dataset of datasets as KanDataset[]) {
        for (const model of models) {
          const params: TrainParams = { part, backend: backend as TrainParams['backend'], dataset, model, seed };
          units.push({ id: `train/${backend}/${dataset}/${model.key}/seed-${seed}`, params });
        }
      }
    };
    for (let seed = 0; seed < o.kanSeeds; seed++) {
      train('main', o.datasets, mains, seed);
      train('ablation', o.ablationDatasets, ablations, seed);
    }
    return units;
  },

  async run(unit, ctx) {
    const o = ctx.options;
    const p = unit.params as TrainParams | SpeedParams;
    const [inputs, classes] = [784, 10];
    if (p.part === 'speed') {
      const device = await ctx.backend(p.backend);
      const r = await measureSpeed({ variant: p.model.variant, options: p.model.options, widths: [inputs, o.hidden, classes], batch: o.batch, reps: o.speedReps, warmup: o.speedWarmup }, device);
      return { part: 'speed', model: p.model.key, variant: p.model.variant, backend: p.backend, ...r };
    }
    const device = await trainDevice(p.backend, ctx);
    let widths = [inputs, o.hidden, classes];
    let target: number | null = null;
    if (p.model.matchParamsOf) {
      const ref = p.model.matchParamsOf;
      const m = buildModel(ref.variant, ref.options, widths, device);
      target = m.usedParameterCount();
      m.dispose();
      widths = [inputs, matchHidden(p.model.variant, p.model.options, target, inputs, classes, device).hidden, classes];
    }
    const data = await loadSplits(p.dataset, o.trainSize, o.testSize);
    const epochs = p.dataset === 'mnist' ? o.epochsMnist : o.epochsFashion;
    const r = await trainRun(
      { variant: p.model.variant, options: p.model.options, widths, seed: p.seed, epochs, batch: o.batch, lr: o.lr, weightDecay: o.weightDecay, gamma: o.gamma, maxBatches: o.maxBatches, evalBatch: o.evalBatch,
        checkpoint: o.checkpoint && ctx.runDir ? join(ctx.runDir, 'kan-checkpoints', `${unit.id.replace(/\//g, '__')}.safetensors`) : null },
      data, device, ctx.log, `${p.dataset} ${p.model.key} seed ${p.seed}`,
    );
    return { part: p.part, dataset: p.dataset, model: p.model.key, variant: p.model.variant, group: p.model.group, value: p.model.value, seed: p.seed, matchedTo: target, ...r };
  },

  brief(r) {
    if (r.part === 'speed') return `fwd+bwd ${fmt(r.modelMedianMs as number)} ms, ${fmt(r.ratio as number)}x the matched MLP`;
    return `test acc ${fmt(100 * (r.finalAccuracy as number), 4)}%, ${fmt(r.secondsPerEpoch as number)} s/epoch`;
  },

  summarize(records, o) {
    return summarizeKan(records, { hidden: o.hidden, epochsMnist: o.epochsMnist, epochsFashion: o.epochsFashion, trainSize: o.trainSize, testSize: o.testSize });
  },
});
