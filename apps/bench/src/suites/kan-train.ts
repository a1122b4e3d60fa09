/**
 * One training run of the kan suite (the AF-KAN paper's harness with two honest changes: the
 * training data is shuffled every epoch, and the reported result is the final epoch on the
 * held-out test split, the best epoch kept beside it and labelled as such), and the
 * forward+backward timing of a model beside the MLP of matched parameter count.
 */
import { batches, loadFashionMnist, loadMnist, subset, type ImageDataset } from '@nonlinear/datasets';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { AdamW, LRScheduler, crossEntropy, exponentialLr, loadSafetensors, readSafetensorsMetadata, saveSafetensors, type AdamHyper, type OptimizerStateDict, type ParamState } from '@nonlinear/nn';
import type { KANModel, KANVariant } from '@nonlinear/kan';
import { timeIt } from '../measure.js';
import { writeFileAtomic } from '../results.js';
import { median } from '../stats.js';
import type { Json, JsonObject } from '../suite.js';
import { accuracy, confusionMatrix, macroF1 } from './kan-metrics.js';
import { buildModel, matchHidden } from './kan-models.js';

/** Training steps between waits for the device (see the loop). */
const SYNC_EVERY = 16;

/** The datasets of the study. */
export const KAN_DATASETS = ['mnist', 'fashion'] as const;
/** A dataset of the study. */
export type KanDataset = (typeof KAN_DATASETS)[number];

const DATASET_NAMES: Record<KanDataset, string> = { mnist: 'MNIST', fashion: 'Fashion-MNIST' };

/** The display name of a dataset. */
export function datasetName(d: KanDataset | string): string {
  return DATASET_NAMES[d as KanDataset] ?? d;
}

/** A dataset's train and test images, as the run uses them. */
export interface Splits {
  train: ImageDataset;
  test: ImageDataset;
}

const cache = new Map<string, Splits>();

/**
 * The train and test splits of a dataset; `trainSize` / `testSize` > 0 take that many images of a
 * fixed seeded permutation (the same subset for every model and seed), 0 takes them all.
 */
export async function loadSplits(dataset: KanDataset, trainSize: number, testSize: number): Promise<Splits> {
  const key = `${dataset}/${trainSize}/${testSize}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const load = dataset === 'mnist' ? loadMnist : loadFashionMnist;
  const [train, test] = await Promise.all([load({ split: 'train' }), load({ split: 'test' })]);
  const pick = (d: ImageDataset, n: number, seed: number): ImageDataset => (n > 0 && n < d.count ? subset(d, n, seed) : d);
  const s = { train: pick(train, trainSize, 1), test: pick(test, testSize, 2) };
  cache.set(key, s);
  return s;
}

/** The protocol of one training run. */
export interface TrainConfig {
  variant: KANVariant;
  options: JsonObject;
  widths: number[];
  seed: number;
  epochs: number;
  batch: number;
  lr: number;
  weightDecay: number;
  /** ExponentialLR's gamma, applied after each epoch. */
  gamma: number;
  /** Stop after this many training batches per epoch (0: all); for tests. */
  maxBatches: number;
  evalBatch: number;
  /**
   * A file to save the run's state to after every epoch (weights, optimizer, schedule, curve so
   * far) and to resume from, so a killed multi-hour cell restarts at its last epoch; removed when
   * the run finishes. null: no checkpoints.
   */
  checkpoint: string | null;
}

/** What a checkpoint holds besides tensors (stored as JSON in the safetensors metadata). */
interface CheckpointMeta {
  epoch: number;
  curve: JsonObject[];
  trainSeconds: number;
  trainCpuSeconds: number;
  steps: number;
  schedulerStep: number;
  /** The optimizer state with each tensor replaced by its key in the file. */
  optimizer: { state: Record<string, Record<string, Json | { tensor: string }>>; paramGroups: JsonObject[] };
}

/** The suite's JSON from a safetensors file's metadata. */
function readMeta(bytes: Uint8Array): string {
  const meta = readSafetensorsMetadata(bytes);
  if (typeof meta.kan !== 'string') throw new T.ValueError('kan checkpoint: the file has no kan metadata');
  return meta.kan;
}

/** Saves model, optimizer and progress after an epoch (one file, written atomically). */
async function saveCheckpoint(path: string, model: KANModel, opt: AdamW, meta: Omit<CheckpointMeta, 'optimizer'>): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const sd = opt.stateDict();
  const state: CheckpointMeta['optimizer']['state'] = {};
  const owned: Tensor[] = [];
  for (const [idx, st] of Object.entries(sd.state)) {
    state[idx] = {};
    for (const [k, v] of Object.entries(st)) {
      if (v instanceof T.Tensor) {
        const key = `opt.${idx}.${k}`;
        tensors[key] = v;
        owned.push(v);
        state[idx]![k] = { tensor: key };
      } else if (v === null || typeof v === 'number' || typeof v === 'boolean') {
        state[idx]![k] = v;
      } else {
        T.dispose(owned);
        throw new T.ValueError(`kan checkpoint: optimizer state '${k}' is neither a tensor nor a scalar`);
      }
    }
  }
  try {
    const full: CheckpointMeta = { ...meta, optimizer: { state, paramGroups: sd.paramGroups as unknown as JsonObject[] } };
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, await saveSafetensors(tensors, { kan: JSON.stringify(full) }));
  } finally {
    T.dispose(owned);
  }
}

/** Restores a checkpoint into a freshly built model and optimizer; returns its progress. */
function loadCheckpoint(path: string, model: KANModel, opt: AdamW, device: Backend): CheckpointMeta {
  const bytes = new Uint8Array(readFileSync(path));
  const tensors = loadSafetensors(bytes, { device });
  try {
    const meta = JSON.parse(readMeta(bytes)) as CheckpointMeta;
    const weights: Record<string, Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) if (k.startsWith('model.')) weights[k.slice('model.'.length)] = t;
    model.loadStateDict(weights);
    const state: Record<number, ParamState> = {};
    for (const [idx, st] of Object.entries(meta.optimizer.state)) {
      state[Number(idx)] = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, v !== null && typeof v === 'object' && 'tensor' in v ? tensors[(v as { tensor: string }).tensor]! : (v as number | boolean | null)]));
    }
    opt.loadStateDict({ state, paramGroups: meta.optimizer.paramGroups } as unknown as OptimizerStateDict<AdamHyper>);
    return meta;
  } finally {
    T.dispose(Object.values(tensors));
  }
}

/** Predictions of `model` on every image of `data`, in order (eval mode, no graph). */
async function predict(model: KANModel, data: ImageDataset, evalBatch: number, device: Backend): Promise<Int32Array> {
  model.eval();
  const out = new Int32Array(data.count);
  let at = 0;
  try {
    for (const { x, y } of batches(data, { batchSize: evalBatch, normalize: '[-1,1]', device })) {
      const pred = T.noGrad(() => T.tidy(() => T.argmax(model.forward(x), 1)));
      T.dispose([x, y]);
      const values = await pred.data();
      pred.dispose();
      for (let i = 0; i < values.length; i++) out[at + i] = Number(values[i]);
      at += values.length;
    }
  } finally {
    model.train();
  }
  return out;
}

/**
 * Trains one model with AdamW and ExponentialLR, evaluating on the test split after every epoch;
 * returns the record: per-epoch curve, final and best epochs, parameters, FLOPs and times.
 */
export async function trainRun(c: TrainConfig, data: Splits, device: Backend, log: (m: string) => void, label: string): Promise<JsonObject> {
  T.manualSeed(c.seed);
  const model = buildModel(c.variant, c.options, c.widths, device);
  // The reference harness decays every parameter (one group, PyTorch's AdamW over model.parameters()).
  const opt = new AdamW(model.parameters(), { lr: c.lr, weightDecay: c.weightDecay });
  const sched = new LRScheduler(opt, exponentialLr(c.lr, { gamma: c.gamma }));
  const truth = Array.from(data.test.labels);
  let curve: JsonObject[] = [];
  let trainSeconds = 0;
  // CPU time of the process while training: on a shared machine wall time overstates the work.
  let trainCpuSeconds = 0;
  let steps = 0;
  let start = 1;
  try {
    if (c.checkpoint && existsSync(c.checkpoint)) {
      const m = loadCheckpoint(c.checkpoint, model, opt, device);
      for (let i = 0; i < m.schedulerStep; i++) sched.step();
      ({ curve, trainSeconds, trainCpuSeconds, steps } = m);
      start = m.epoch + 1;
      log(`${label}: resumed after epoch ${m.epoch} from its checkpoint`);
    }
    for (let epoch = start; epoch <= c.epochs; epoch++) {
      const lr = opt.lr;
      let acc: Tensor | null = null;
      let n = 0;
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      // A different shuffle every epoch and seed (the reference harness does not shuffle).
      for (const { x, y } of batches(data.train, { batchSize: c.batch, shuffle: true, seed: c.seed * 100_003 + epoch, normalize: '[-1,1]', device })) {
        if (c.maxBatches > 0 && n >= c.maxBatches) {
          T.dispose([x, y]);
          break;
        }
        opt.zeroGrad();
        const loss = T.tidy(() => crossEntropy(model.forward(x), y));
        loss.backward();
        opt.step();
        // A running sum on the device: one readback per epoch, not per step.
        const prev: Tensor | null = acc;
        acc = T.noGrad((): Tensor => T.tidy(() => (prev ? prev.add(loss.detach()) : loss.detach().add(0))));
        T.dispose([prev, loss, x, y]);
        n++;
        // Ops only record: without a wait now and then, a fast loop queues more GPU work than
        // the device may hold (BacklogError on webgpu). One round trip per 16 steps is cheap.
        if (n % SYNC_EVERY === 0) await T.sync(device);
      }
      const trainLoss = acc ? (await acc.item()) / n : NaN;
      T.dispose(acc);
      const epochSeconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      trainSeconds += epochSeconds;
      trainCpuSeconds += (cpu.user + cpu.system) / 1e6;
      steps += n;
      sched.step();
      const t1 = performance.now();
      const pred = await predict(model, data.test, c.evalBatch, device);
      const cm = confusionMatrix(truth, pred, data.test.numClasses);
      const point = { epoch, lr, trainLoss, testAccuracy: accuracy(cm), testMacroF1: macroF1(cm), trainSeconds: epochSeconds, evalSeconds: (performance.now() - t1) / 1000 };
      curve.push(point);
      log(`${label}: epoch ${epoch}/${c.epochs}, loss ${trainLoss.toFixed(4)}, test acc ${(100 * point.testAccuracy).toFixed(2)}%, ${epochSeconds.toFixed(1)} s`);
      if (c.checkpoint && epoch < c.epochs) await saveCheckpoint(c.checkpoint, model, opt, { epoch, curve, trainSeconds, trainCpuSeconds, steps, schedulerStep: sched.lastStep });
    }
    if (c.checkpoint) rmSync(c.checkpoint, { force: true });
    const last = curve[curve.length - 1]!;
    const best = curve.reduce((b, p) => ((p.testAccuracy as number) > (b.testAccuracy as number) ? p : b));
    return {
      params: model.usedParameterCount(), flops: model.flops(), device: device.name, adapter: device.description, widths: c.widths,
      trainImages: data.train.count, testImages: data.test.count, steps, epochs: c.epochs, curve,
      finalAccuracy: last.testAccuracy!, finalMacroF1: last.testMacroF1!, finalTrainLoss: last.trainLoss!,
      bestEpoch: best.epoch!, bestAccuracy: best.testAccuracy!, bestMacroF1: best.testMacroF1!,
      trainSeconds, trainCpuSeconds, secondsPerEpoch: trainSeconds / c.epochs, msPerStep: steps ? (1000 * trainSeconds) / steps : NaN,
    };
  } finally {
    opt.dispose();
    model.dispose();
  }
}

/** One model's forward+backward on a batch: logits, cross-entropy, gradients of every parameter. */
function fwdBwd(model: KANModel, x: Tensor, y: Tensor): () => Tensor {
  const params = model.parameters();
  return () => {
    const loss = crossEntropy(model.forward(x), y);
    const grads = T.gradients([loss], params);
    // Reading one gradient waits for the whole step; the rest are disposed by timeIt's tidy.
    return grads.find((g): g is Tensor => g !== null)!;
  };
}

/** The timing protocol of a speed unit. */
export interface SpeedConfig {
  variant: KANVariant;
  options: JsonObject;
  widths: number[];
  batch: number;
  reps: number;
  warmup: number;
}

/**
 * Times forward+backward of a model and of the MLP `[in, h, out]` whose parameter count is
 * closest to the model's, alternately on the same device and inputs, so both see the same load.
 */
export async function measureSpeed(c: SpeedConfig, device: Backend): Promise<JsonObject> {
  T.manualSeed(0);
  const [inputs, classes] = [c.widths[0]!, c.widths[c.widths.length - 1]!];
  const model = buildModel(c.variant, c.options, c.widths, device);
  const params = model.usedParameterCount();
  const match = matchHidden('mlp', { activation: 'silu' }, params, inputs, classes, device);
  const mlp = buildModel('mlp', { activation: 'silu' }, [inputs, match.hidden, classes], device);
  const x = T.tidy(() => T.sub(T.mul(T.rand([c.batch, inputs], { device }), 2), 1));
  const y = T.randint(0, classes, [c.batch], { device });
  try {
    const f = fwdBwd(model, x, y);
    const g = fwdBwd(mlp, x, y);
    for (let i = 0; i < c.warmup; i++) {
      await timeIt(1, 0, f);
      await timeIt(1, 0, g);
    }
    const modelMs: number[] = [];
    const mlpMs: number[] = [];
    const once = async (work: () => Tensor): Promise<number> => (await timeIt(1, 0, work)).timesMs[0]!;
    for (let i = 0; i < c.reps; i++) {
      // Alternate which goes first, so neither always pays for the other's garbage.
      if (i % 2 === 0) {
        modelMs.push(await once(f));
        mlpMs.push(await once(g));
      } else {
        mlpMs.push(await once(g));
        modelMs.push(await once(f));
      }
    }
    const ratios = modelMs.map((m, i) => m / mlpMs[i]!);
    return {
      device: device.name, adapter: device.description, widths: c.widths, batch: c.batch, reps: c.reps, warmup: c.warmup,
      params, flops: model.flops(), mlpHidden: match.hidden, mlpParams: match.params, mlpFlops: mlp.flops(),
      modelMs, mlpMs, ratios, modelMedianMs: median(modelMs), mlpMedianMs: median(mlpMs), ratio: median(modelMs) / median(mlpMs),
    };
  } finally {
    T.dispose([x, y]);
    model.dispose();
    mlp.dispose();
  }
}
