import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { testBackends } from '../test-util/backends.js';
import {
  CausalSelfAttention, DecoderLM, Dropout, Embedding, LayerNorm, Linear, MLP, RMSNorm, RotaryEmbedding, Sequential, TransformerBlock,
  activationNames, applyRotary, causalSelfAttention, dropout, getActivation, layerNorm, registerActivation, rmsNorm, rotaryTables,
} from './index.js';

const backends = await testBackends();
const cpu = backends[0]!;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function maxAbsDiff(a: number[], b: number[]): number {
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

/** float64 cpu inputs for gradcheck, seeded. */
function f64(shape: number[], scale = 1, shift = 0): Tensor {
  return T.randn(shape, { device: cpu, dtype: 'float64', std: scale, mean: shift });
}

describe('gradcheck (float64, cpu) of the functional forms', () => {
  test('layerNorm wrt x, weight and bias', async () => {
    T.manualSeed(11);
    const inputs = [f64([2, 3, 4], 2, 0.5), f64([4], 0.2, 1), f64([4], 0.2)];
    const r = await T.gradcheck((x, w, b) => layerNorm(x!, [4], w, b, 1e-5), inputs);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    const r2 = await T.gradcheck((x, w, b) => layerNorm(x!, [3, 4], w, b, 1e-3), [inputs[0]!, f64([3, 4], 0.2, 1), f64([3, 4], 0.2)]);
    expect(r2.ok, JSON.stringify(r2.worst)).toBe(true);
    T.dispose(inputs);
  });

  test('rmsNorm wrt x and weight', async () => {
    T.manualSeed(12);
    const inputs = [f64([3, 5], 1.5), f64([5], 0.2, 1)];
    const r = await T.gradcheck((x, w) => rmsNorm(x!, [5], w, 1e-6), inputs);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    T.dispose(inputs);
  });

  test('causal self-attention with RoPE wrt x and all four weights', async () => {
    T.manualSeed(13);
    const [B, L, D, H] = [1, 4, 4, 2];
    const { cos, sin } = rotaryTables(D / H, L);
    const c = T.tensor(cos, { shape: [L, D / H], device: cpu, dtype: 'float64' });
    const s = T.tensor(sin, { shape: [L, D / H], device: cpu, dtype: 'float64' });
    const inputs = [f64([B, L, D]), f64([3 * D, D], 0.5), f64([3 * D], 0.1), f64([D, D], 0.5), f64([D], 0.1)];
    const r = await T.gradcheck(
      (x, qw, qb, pw, pb) => causalSelfAttention(x!, { qkvWeight: qw!, qkvBias: qb, projWeight: pw!, projBias: pb }, { numHeads: H, cos: c, sin: s }),
      inputs,
    );
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    expect(r.checked).toBe(16 + 48 + 12 + 16 + 4);
    T.dispose([inputs, c, s]);
  });
});

describe('layers', () => {
  for (const device of backends) {
    describe(device.name, () => {
      test('Linear init follows PyTorch: |w|, |b| <= 1/sqrt(in), and fills the range', async () => {
        T.manualSeed(3);
        const m = new Linear(64, 256, { device });
        const bound = 1 / Math.sqrt(64);
        const w = await values(m.weight);
        const b = await values(m.bias!);
        expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
        expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.99 * bound);
        const variance = w.reduce((a, v) => a + v * v, 0) / w.length;
        expect(Math.abs(variance / (bound * bound / 3) - 1)).toBeLessThan(0.05);
        expect(Math.max(...b.map(Math.abs))).toBeLessThanOrEqual(bound);
        m.dispose();
      });

      test('Dropout: identity in eval, inverted scaling in training', async () => {
        const d = new Dropout(0.3);
        const x = T.full([200, 500], 2, { device });
        T.manualSeed(5);
        const y = d.forward(x);
        const v = await values(y);
        const zeros = v.filter((e) => e === 0).length / v.length;
        expect(Math.abs(zeros - 0.3)).toBeLessThan(0.01);
        const kept = v.filter((e) => e !== 0);
        expect(kept.every((e) => Math.abs(e - 2 / 0.7) < 1e-6)).toBe(true);
        const mean = v.reduce((a, e) => a + e, 0) / v.length;
        expect(Math.abs(mean - 2)).toBeLessThan(0.03);
        d.eval();
        const z = d.forward(x);
        expect(await values(z)).toEqual(await values(x));
        z.dispose(); // a new handle: disposing it leaves the input alive
        expect(x.isDisposed).toBe(false);
        T.dispose([x, y]);
      });

      test('Dropout is reproducible under manualSeed and passes gradients through the mask', async () => {
        const x = T.randn([64, 33], { device, requiresGrad: true });
        T.manualSeed(42);
        const a = dropout(x, 0.5);
        T.manualSeed(42);
        const b = dropout(x, 0.5);
        const c = dropout(x, 0.5);
        expect(await values(a)).toEqual(await values(b));
        expect(await values(c)).not.toEqual(await values(a));
        a.sum().backward();
        const g = await values(x.grad!);
        const av = await values(a);
        g.forEach((gi, i) => expect(gi).toBe(av[i] === 0 ? 0 : 2));
        expect(() => new Dropout(1.5)).toThrow(T.ValueError);
        const all = dropout(x, 1);
        expect((await values(all)).every((e) => e === 0)).toBe(true);
        x.grad?.dispose();
        T.dispose([x, a, b, c, all]);
      });

      test('Sequential chains modules and names them 0, 1, ...', async () => {
        T.manualSeed(9);
        const m = new Sequential(new Linear(3, 5, { device }), new LayerNorm(5, { device }), new Linear(5, 2, { device }));
        expect(m.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
        const x = T.randn([4, 3], { device });
        const y = m.forward(x);
        const want = T.tidy(() => (m.at(2) as Linear).forward((m.at(1) as LayerNorm).forward((m.at(0) as Linear).forward(x))));
        expect(maxAbsDiff(await values(y), await values(want))).toBe(0);
        T.dispose([x, y, want]);
        m.dispose();
      });

      test('MLP takes an activation by name or as a function; unknown names are listed', async () => {
        T.manualSeed(4);
        const x = T.randn([3, 4], { device });
        const byName = new MLP(4, 8, { device, activation: 'relu2' });
        const byFn = new MLP(4, 8, { device, activation: (t) => T.tidy(() => T.relu(t).square()) });
        byFn.loadStateDict(byName.stateDict());
        const a = byName.forward(x);
        const b = byFn.forward(x);
        expect(maxAbsDiff(await values(a), await values(b))).toBe(0);
        expect(() => new MLP(4, 8, { device, activation: 'swish42' })).toThrow(/unknown activation 'swish42' \(known: relu, gelu, gelu_tanh, silu, tanh, sigmoid, relu2/);
        T.dispose([x, a, b]);
        byName.dispose();
        byFn.dispose();
      });

      test('RoPE: position 0 is the identity and each pair keeps its norm', async () => {
        const rope = new RotaryEmbedding(8, 16, { device });
        T.manualSeed(6);
        const x = T.randn([2, 5, 8], { device });
        const y = rope.forward(x);
        const xv = await values(x);
        const yv = await values(y);
        for (let b = 0; b < 2; b++) {
          for (let t = 0; t < 5; t++) {
            for (let i = 0; i < 4; i++) {
              const at = (k: number): number => b * 40 + t * 8 + k;
              if (t === 0) expect(yv[at(i)]).toBeCloseTo(xv[at(i)]!, 6);
              const n0 = Math.hypot(xv[at(i)]!, xv[at(i + 4)]!);
              const n1 = Math.hypot(yv[at(i)]!, yv[at(i + 4)]!);
              expect(Math.abs(n0 - n1)).toBeLessThan(1e-5);
            }
          }
        }
        expect(() => rope.forward(T.zeros([1, 17, 8], { device }))).toThrow(/exceed maxSeqLen 16/);
        T.dispose([x, y]);
        rope.dispose();
      });

      test('attention is causal: outputs up to t ignore inputs after t', async () => {
        T.manualSeed(7);
        const attn = new CausalSelfAttention(8, 2, { device, maxSeqLen: 8 });
        const x = T.randn([2, 6, 8], { device });
        const noise = T.randn([2, 3, 8], { device });
        const x2 = T.tidy(() => T.concat([x.narrow(1, 0, 3), noise], 1));
        const a = attn.forward(x);
        const b = attn.forward(x2);
        const head = (t: Tensor): Promise<number[]> => values(T.tidy(() => t.narrow(1, 0, 3).contiguous()));
        expect(maxAbsDiff(await head(a), await head(b))).toBeLessThan(1e-6);
        expect(maxAbsDiff(await values(a), await values(b))).toBeGreaterThan(1e-3);
        T.dispose([x, noise, x2, a, b]);
        attn.dispose();
      });

      test('DecoderLM is causal: logits up to t ignore tokens after t', async () => {
        T.manualSeed(8);
        const lm = new DecoderLM({ vocabSize: 13, dim: 16, numLayers: 2, numHeads: 4, maxSeqLen: 12, device });
        const a = T.tensor([[1, 5, 2, 7, 3, 3, 9, 0]], { dtype: 'int32', device });
        const b = T.tensor([[1, 5, 2, 7, 12, 0, 4, 11]], { dtype: 'int32', device });
        const la = lm.forward(a);
        const lb = lm.forward(b);
        expect(la.shape).toEqual([1, 8, 13]);
        const first = (t: Tensor): Promise<number[]> => values(T.tidy(() => t.narrow(1, 0, 4).contiguous()));
        expect(maxAbsDiff(await first(la), await first(lb))).toBeLessThan(1e-5);
        const pos = (t: Tensor, i: number): Promise<number[]> => values(T.tidy(() => t.narrow(1, i, 1).contiguous()));
        expect(maxAbsDiff(await pos(la, 4), await pos(lb, 4))).toBeGreaterThan(1e-4);
        T.dispose([a, b, la, lb]);
        lm.dispose();
      });
    });
  }
});

describe('DecoderLM parameter counts', () => {
  const [V, D, L, H] = [50, 16, 3, 4];
  // Per block: 2 LayerNorms (2D each), qkv (3D*D + 3D), proj (D*D + D), MLP (D*4D + 4D + 4D*D + D).
  const block = 2 * 2 * D + (3 * D * D + 3 * D) + (D * D + D) + (4 * D * D + 4 * D + 4 * D * D + D);
  test('tied: embedding + blocks + final norm', () => {
    const lm = new DecoderLM({ vocabSize: V, dim: D, numLayers: L, numHeads: H, device: cpu });
    expect(lm.numParameters()).toBe(V * D + L * block + 2 * D);
    expect(lm.head).toBeNull();
    expect(Object.keys(lm.stateDict())).not.toContain('head.weight');
    lm.dispose();
  });
  test('untied: plus a [V, D] head without bias', () => {
    const lm = new DecoderLM({ vocabSize: V, dim: D, numLayers: L, numHeads: H, tied: false, device: cpu });
    expect(lm.numParameters()).toBe(V * D + L * block + 2 * D + V * D);
    expect(lm.getParameter('head.weight').shape).toEqual([V, D]);
    lm.dispose();
  });
  test('rmsnorm, no bias', () => {
    const lm = new DecoderLM({ vocabSize: V, dim: D, numLayers: L, numHeads: H, norm: 'rmsnorm', bias: false, device: cpu });
    expect(lm.numParameters()).toBe(V * D + L * (2 * D + 4 * D * D + 8 * D * D) + D);
    lm.dispose();
  });
  test('the RoPE tables are buffers outside the state dict', () => {
    const lm = new DecoderLM({ vocabSize: V, dim: D, numLayers: 1, numHeads: H, maxSeqLen: 32, device: cpu });
    expect(lm.namedBuffers().map(([n]) => n)).toEqual(['blocks.0.attn.rotary.cos', 'blocks.0.attn.rotary.sin']);
    expect(Object.keys(lm.stateDict()).some((k) => k.includes('rotary'))).toBe(false);
    lm.dispose();
  });
});

describe('input errors are typed and name the layer', () => {
  test('Linear', () => {
    const m = new Linear(4, 2, { device: cpu });
    const bad = T.zeros([3, 5], { device: cpu });
    const ints = T.zeros([3, 4], { device: cpu, dtype: 'int32' });
    const f64x = T.zeros([3, 4], { device: cpu, dtype: 'float64' });
    expect(() => m.forward(bad)).toThrow(T.ShapeError);
    expect(() => m.forward(bad)).toThrow('Linear(4 -> 2): expected input of shape [..., 4], got [3, 5]');
    expect(() => m.forward(ints)).toThrow(T.DTypeError);
    expect(() => m.forward(ints)).toThrow(/Linear\(4 -> 2\): input must be float32 or float64, got int32/);
    expect(() => m.forward(f64x)).toThrow(/input is float64 but the parameters are float32/);
    expect(() => new Linear(0, 2)).toThrow(/Linear: inFeatures must be a positive integer, got 0/);
    T.dispose([bad, ints, f64x]);
    m.dispose();
  });

  test('Embedding, norms, MLP, attention, block', () => {
    const emb = new Embedding(5, 3, { device: cpu });
    const fl = T.zeros([2], { device: cpu });
    expect(() => emb.forward(fl)).toThrow(T.DTypeError);
    expect(() => emb.forward(fl)).toThrow(/Embedding\(5, 3\): indices must be int32, got float32/);
    const x = T.zeros([2, 3, 6], { device: cpu });
    expect(() => new LayerNorm(4, { device: cpu }).forward(x)).toThrow(/LayerNorm\(\[4\]\): expected input of shape \[\.\.\., 4\], got \[2, 3, 6\]/);
    expect(() => new RMSNorm([3, 5], { device: cpu }).forward(x)).toThrow(/RMSNorm\(\[3, 5\]\)/);
    expect(() => new MLP(4, 8, { device: cpu }).forward(x)).toThrow(/MLP\(4 -> 8 -> 4\): expected input of shape \[\.\.\., 4\]/);
    const attn = new CausalSelfAttention(8, 2, { device: cpu, maxSeqLen: 2 });
    const x8 = T.zeros([2, 3, 8], { device: cpu });
    const flat = T.zeros([3, 8], { device: cpu });
    expect(() => attn.forward(x8)).toThrow(/CausalSelfAttention\(dim=8, heads=2\): sequence length 3 exceeds maxSeqLen 2/);
    expect(() => attn.forward(flat)).toThrow(/expected input \[B, T, 8\], got \[3, 8\]/);
    T.dispose([x8, flat]);
    expect(() => new CausalSelfAttention(6, 4)).toThrow(/dim 6 is not divisible by numHeads 4/);
    expect(() => new CausalSelfAttention(6, 2, { rope: true })).toThrow(/RoPE needs an even head size/);
    const live = T.memory().liveTensors;
    expect(() => new TransformerBlock(8, 2, { device: cpu, norm: 'batchnorm' as never })).toThrow(/norm must be 'layernorm' or 'rmsnorm', got 'batchnorm'/);
    expect(() => new TransformerBlock(8, 2, { device: cpu, activation: 'nope' })).toThrow(/MLP: unknown activation 'nope'/);
    expect(() => new DecoderLM({ vocabSize: 5, dim: 8, numLayers: 2, numHeads: 3, device: cpu })).toThrow(/dim 8 is not divisible by numHeads 3/);
    expect(T.memory().liveTensors, 'a failed constructor leaks nothing').toBe(live);
    T.dispose([fl, x]);
    emb.dispose();
    attn.dispose();
  });

  test('DecoderLM', () => {
    const lm = new DecoderLM({ vocabSize: 7, dim: 4, numLayers: 1, numHeads: 2, maxSeqLen: 4, device: cpu });
    const fl = T.zeros([1, 3], { device: cpu });
    const flat = T.zeros([3], { device: cpu, dtype: 'int32' });
    const long = T.zeros([1, 5], { device: cpu, dtype: 'int32' });
    expect(() => lm.forward(fl)).toThrow(/DecoderLM\(vocab=7, dim=4\): tokens must be int32, got float32/);
    expect(() => lm.forward(flat)).toThrow(/tokens must be \[B, T\], got \[3\]/);
    expect(() => lm.forward(long)).toThrow(/sequence length 5 exceeds maxSeqLen 4/);
    T.dispose([fl, flat, long]);
    lm.dispose();
  });

  test.skipIf(backends.length < 2)('an input on the wrong device', () => {
    const m = new Linear(2, 2, { device: cpu });
    const x = T.zeros([1, 2], { device: backends[1]! });
    expect(() => m.forward(x)).toThrow(T.DeviceMismatchError);
    expect(() => m.forward(x)).toThrow(/Linear\(2 -> 2\): input is on webgpu but the parameters are on cpu/);
    x.dispose();
    m.dispose();
  });
});

describe('activation registry', () => {
  test('names, lookup, registration', async () => {
    expect(activationNames()).toEqual(expect.arrayContaining(['relu', 'gelu', 'gelu_tanh', 'silu', 'tanh', 'sigmoid', 'relu2']));
    registerActivation('double', (x) => x.mul(2));
    const x = T.tensor([-1, 0.5], { device: cpu });
    const y = getActivation('double')(x);
    expect(await values(y)).toEqual([-2, 1]);
    const r = getActivation('relu2')(x);
    expect(await values(r)).toEqual([0, 0.25]);
    expect(() => registerActivation('bad', 3 as never)).toThrow(T.ValueError);
    T.dispose([x, y, r]);
  });
});

test('applyRotary matches the rotate-half formula by hand', async () => {
  const { cos, sin } = rotaryTables(4, 3, 10000);
  const c = T.tensor(cos, { shape: [3, 4], device: cpu, dtype: 'float64' });
  const s = T.tensor(sin, { shape: [3, 4], device: cpu, dtype: 'float64' });
  const x = T.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { shape: [3, 4], device: cpu, dtype: 'float64' });
  const y = await values(applyRotary(x, c, s));
  for (let t = 0; t < 3; t++) {
    const r = [1 + 4 * t, 2 + 4 * t, 3 + 4 * t, 4 + 4 * t];
    const f = [1, 1 / 100];
    for (let i = 0; i < 2; i++) {
      const a = t * f[i]!;
      expect(y[4 * t + i]).toBeCloseTo(r[i]! * Math.cos(a) - r[i + 2]! * Math.sin(a), 12);
      expect(y[4 * t + i + 2]).toBeCloseTo(r[i + 2]! * Math.cos(a) + r[i]! * Math.sin(a), 12);
    }
  }
  T.dispose([c, s, x]);
});
