/**
 * The language-model study of the activations suite: a small decoder-only LM (RMSNorm, RoPE
 * attention, no linear biases, tied embedding, as the PolyCom paper's models) whose FFN is one
 * of the parameter-matched blocks of @nonlinear/activations, trained on bytes of a text corpus
 * (Debian's fortunes by default) with AdamW, a cosine schedule with warm-up and gradient
 * clipping. One run = one activation and one seed.
 */
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mulberry32 } from '@nonlinear/datasets';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import {
  AdamW, CausalSelfAttention, Embedding, LRScheduler, Module, ModuleList, RMSNorm, clipGradNorm, cosineLr, normal_, sequenceCrossEntropy,
} from '@nonlinear/nn';
import { FeedForward, PolyNorm, PolyReLU, SwiGLU, effectiveRank, feedForward, type FeedForwardKind } from '@nonlinear/activations';
import type { JsonObject } from '../suite.js';

/** Where Debian's fortunes package puts its text. */
export const FORTUNES_DIR = '/usr/share/games/fortunes';

/** A corpus as bytes, and where it came from. */
export interface Corpus {
  bytes: Uint8Array;
  /** The file or directory read. */
  source: string;
  /** How many files were concatenated. */
  files: number;
}

/**
 * Reads a text corpus: a file as it is, or every regular file of a directory (sorted by name;
 * fortune's `.dat` index files and symbolic links left out). '' means Debian's fortunes.
 */
export function loadCorpus(path: string): Corpus {
  const source = path === '' ? FORTUNES_DIR : resolve(path);
  if (!existsSync(source)) {
    throw new Error(path === ''
      ? `no corpus: ${FORTUNES_DIR} does not exist. Install Debian's fortunes (apt-get install fortunes; scripts/setup.sh does it) or pass --corpus FILE`
      : `no corpus: ${source} does not exist`);
  }
  const stat = lstatSync(source);
  let parts: Uint8Array[];
  if (stat.isDirectory()) {
    const names = readdirSync(source).sort().filter((n) => !n.endsWith('.dat') && lstatSync(join(source, n)).isFile());
    parts = names.map((n) => readFileSync(join(source, n)));
  } else {
    parts = [readFileSync(source)];
  }
  const total = parts.reduce((s, p) => s + p.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, source, files: parts.length };
}

/** int32 [batch, seqLen + 1] windows of `data` at random offsets drawn from `next` (the MoE study reuses it). */
export function batchOf(data: Uint8Array, batch: number, seqLen: number, next: () => number, device: Backend): Tensor {
  const out = new Int32Array(batch * (seqLen + 1));
  const span = data.length - seqLen - 1;
  for (let b = 0; b < batch; b++) {
    const o = Math.floor(next() * span);
    for (let t = 0; t <= seqLen; t++) out[b * (seqLen + 1) + t] = data[o + t]!;
  }
  return T.tensor(out, { shape: [batch, seqLen + 1], dtype: 'int32', device });
}

/** The training settings of an LM run, the same in the activations and MoE studies. */
export interface LmTrainingConfig {
  /** Bytes per training sequence. */
  seqLen: number;
  /** Sequences per step. */
  batch: number;
  /** Training steps. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Final learning rate of the cosine schedule. */
  minLr: number;
  /** Linear warm-up steps. */
  warmup: number;
  /** Decoupled weight decay of matrices and embeddings. */
  weightDecay: number;
  /** Gradient clipping (global L2 norm). */
  clip: number;
  /** Steps between validation evaluations. */
  evalEvery: number;
  /** Validation batches. */
  evalBatches: number;
  /** Steps per point of the training curve. */
  logEvery: number;
  /** Fraction of the corpus (its end) held out for validation. */
  valFraction: number;
}

/** A byte-level LM: int32 tokens [B, T] -> logits [B, T, 256]. */
export type ByteLM = Module & { forward(tokens: Tensor): Tensor };

/** The training bytes (the corpus's start) and the held-out validation bytes (its last `valFraction`). */
export function splitCorpus(corpus: Corpus, c: Pick<LmTrainingConfig, 'seqLen' | 'valFraction'>): { train: Uint8Array; val: Uint8Array } {
  const split = Math.floor(corpus.bytes.length * (1 - c.valFraction));
  const train = corpus.bytes.subarray(0, split);
  const val = corpus.bytes.subarray(split);
  if (train.length < c.seqLen + 2 || val.length < c.seqLen + 2) throw new Error(`corpus too small (${corpus.bytes.length} bytes) for sequences of ${c.seqLen}`);
  return { train, val };
}

/** What both studies train with: the optimizer, its schedule, the validation batches and the evaluation over them. */
export interface LmTraining {
  opt: AdamW;
  sched: LRScheduler;
  /** Fixed validation batches (dispose them after the run). */
  valBatches: Tensor[];
  /** Mean validation cross-entropy per byte (puts the model in eval mode and back into train mode). */
  evaluate(): Promise<number>;
}

/**
 * AdamW (betas 0.9, 0.95; weight decay on matrices and embeddings only) with a cosine schedule
 * and warm-up, and the validation batches of `val`, which are the same for every model and seed.
 */
export function lmTraining(model: ByteLM, val: Uint8Array, c: LmTrainingConfig, device: Backend): LmTraining {
  const { decay, noDecay } = model.decayGroups();
  const opt = new AdamW([{ params: decay, weightDecay: c.weightDecay }, { params: noDecay, weightDecay: 0 }], { lr: c.lr, betas: [0.9, 0.95] });
  const sched = new LRScheduler(opt, cosineLr(c.lr, { totalSteps: c.steps, warmupSteps: c.warmup, minLr: c.minLr }));
  const valNext = mulberry32(0x5eed);
  const valBatches = Array.from({ length: c.evalBatches }, () => batchOf(val, c.batch, c.seqLen, valNext, device));
  const evaluate = async (): Promise<number> => {
    model.eval();
    let sum = 0;
    for (const b of valBatches) {
      const l = T.noGrad(() => T.tidy(() => sequenceCrossEntropy(model.forward(b.narrow(1, 0, c.seqLen)), b.narrow(1, 1, c.seqLen).contiguous())));
      sum += await l.item();
      l.dispose();
    }
    model.train();
    return sum / valBatches.length;
  };
  return { opt, sched, valBatches, evaluate };
}

type FFN = FeedForward | SwiGLU;

/** Pre-norm block: x + attn(norm1(x)), then x + ffn(norm2(x)). */
class Block extends Module {
  readonly norm1: RMSNorm;
  readonly attn: CausalSelfAttention;
  readonly norm2: RMSNorm;
  readonly ffn: FFN;

  constructor(dim: number, heads: number, maxSeqLen: number, kind: FeedForwardKind, h: number, device: Backend) {
    super();
    this.norm1 = this.registerModule('norm1', new RMSNorm(dim, { device }));
    this.attn = this.registerModule('attn', new CausalSelfAttention(dim, heads, { device, maxSeqLen, rope: true, bias: false }));
    this.norm2 = this.registerModule('norm2', new RMSNorm(dim, { device }));
    this.ffn = this.registerModule('ffn', feedForward(kind, dim, h, { device, bias: false }));
  }

  forward(x: Tensor): Tensor {
    return T.tidy(() => {
      const a = x.add(this.attn.forward(this.norm1.forward(x)));
      return a.add(this.ffn.forward(this.norm2.forward(a)));
    });
  }
}

/** Configuration of one run of the study. */
export interface LmRunConfig extends LmTrainingConfig {
  kind: FeedForwardKind;
  seed: number;
  dim: number;
  layers: number;
  heads: number;
  /** SwiGLU hidden width h; the other blocks get round(3h/2). */
  hidden: number;
}

/**
 * The small decoder LM with a pluggable FFN. (nn's DecoderLM takes one activation function for
 * all its MLPs, so it cannot hold per-layer PolyCom coefficients or a SwiGLU block.)
 */
export class StudyLM extends Module {
  readonly embed: Embedding;
  readonly blocks: ModuleList<Block>;
  readonly norm: RMSNorm;

  constructor(c: Pick<LmRunConfig, 'kind' | 'dim' | 'layers' | 'heads' | 'hidden' | 'seqLen'>, device: Backend) {
    super();
    this.embed = this.registerModule('embed', new Embedding(256, c.dim, { device }));
    normal_(this.embed.weight, 0, 0.02);
    this.blocks = this.registerModule('blocks', new ModuleList<Block>());
    for (let i = 0; i < c.layers; i++) this.blocks.append(new Block(c.dim, c.heads, c.seqLen, c.kind, c.hidden, device));
    this.norm = this.registerModule('norm', new RMSNorm(c.dim, { device }));
  }

  /** int32 bytes [B, T] -> logits [B, T, 256] (tied head). */
  forward(tokens: Tensor): Tensor {
    return T.tidy(() => {
      let h = this.embed.forward(tokens);
      for (const b of this.blocks) h = b.forward(h);
      return this.norm.forward(h).matmul(this.embed.weight.mT);
    });
  }
}

/** Trains one model and returns the run's record (curves, final losses, throughput, effective ranks). */
export async function runLm(c: LmRunConfig, corpus: Corpus, device: Backend, log: (m: string) => void): Promise<JsonObject> {
  const { train, val } = splitCorpus(corpus, c);
  T.manualSeed(c.seed);
  const model = new StudyLM(c, device);
  const { opt, sched, valBatches, evaluate } = lmTraining(model, val, c, device);
  const trainCurve: [number, number][] = [];
  const valCurve: [number, number][] = [[0, await evaluate()]];
  const next = mulberry32(c.seed * 1_000_003 + 17);
  let acc: Tensor | null = null;
  let accSteps = 0;
  let trainMs = 0;
  let t0 = performance.now();
  for (let step = 1; step <= c.steps; step++) {
    const batch = batchOf(train, c.batch, c.seqLen, next, device);
    opt.zeroGrad();
    const loss = T.tidy(() => sequenceCrossEntropy(model.forward(batch.narrow(1, 0, c.seqLen)), batch.narrow(1, 1, c.seqLen).contiguous()));
    loss.backward();
    clipGradNorm(model.parameters(), c.clip).dispose();
    opt.step();
    sched.step();
    // A running sum on the device: the loss is read back only every logEvery steps.
    const prev = acc as Tensor | null;
    const sum: Tensor = T.noGrad(() => T.tidy(() => (prev ? prev.add(loss.detach()) : loss.detach().add(0))));
    prev?.dispose();
    acc = sum;
    accSteps++;
    loss.dispose();
    batch.dispose();
    if (step % c.logEvery === 0 || step === c.steps) {
      const mean = (await sum.item()) / accSteps;
      trainMs += performance.now() - t0;
      sum.dispose();
      acc = null;
      accSteps = 0;
      if (!Number.isFinite(mean)) log(`${c.kind} seed ${c.seed}: train loss ${mean} at step ${step}`);
      trainCurve.push([step, mean]);
      if (step % c.evalEvery === 0 || step === c.steps) {
        const v = await evaluate();
        valCurve.push([step, v]);
        log(`${c.kind} seed ${c.seed}: step ${step}/${c.steps}, train ${mean.toFixed(4)}, val ${v.toFixed(4)}`);
      }
      t0 = performance.now();
    }
  }
  // Effective rank of each FFN's matrices: the up/gate projection (fc1 or SwiGLU's w1) and the down projection.
  const erankUp: number[] = [];
  const erankDown: number[] = [];
  const coefficients: number[][] = [];
  for (const b of model.blocks) {
    const f = b.ffn;
    erankUp.push(await effectiveRank(f instanceof SwiGLU ? f.w1.weight : f.fc1.weight));
    erankDown.push(await effectiveRank(f instanceof SwiGLU ? f.w2.weight : f.fc2.weight));
    if (f instanceof FeedForward && (f.act instanceof PolyNorm || f.act instanceof PolyReLU)) coefficients.push(await f.act.coefficients());
  }
  const finalVal = valCurve[valCurve.length - 1]![1];
  const record: JsonObject = {
    kind: c.kind,
    seed: c.seed,
    device: device.name,
    adapter: device.description,
    params: model.numParameters(),
    ffnHidden: c.kind === 'swiglu' ? c.hidden : Math.round((3 * c.hidden) / 2),
    trainCurve,
    valCurve,
    finalTrainLoss: trainCurve[trainCurve.length - 1]![1],
    finalValLoss: finalVal,
    finalValPpl: Math.exp(finalVal),
    tokensPerSecond: (c.steps * c.batch * c.seqLen) / (trainMs / 1000),
    trainSeconds: trainMs / 1000,
    tokensSeen: c.steps * c.batch * c.seqLen,
    erankUp,
    erankDown,
    coefficients,
  };
  opt.dispose();
  T.dispose(valBatches);
  model.dispose();
  return record;
}
