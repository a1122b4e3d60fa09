import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { DecoderLM, sequenceCrossEntropy } from '@nonlinear/nn';
import { SwiGLU, FeedForward } from '@nonlinear/activations';
import { testBackends } from '../test-util/backends.js';
import { denseMoE } from '../test-util/dense-reference.js';
import { MoELayer, moeAuxLoss, moeFeedForward, moeLayers, moeStats, setTemperature, type MoELayerOptions } from '../index.js';
import { TemperatureGate } from '../gates/temperature.js';

const backends = await testBackends();

/** Largest |a - b| relative to max |b|. */
async function relErr(a: T.Tensor, b: T.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]!));
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
  return worst / scale;
}

/** Outputs and the gradients of <out, g> for x and every parameter, from `run`. */
function outputAndGrads(layer: MoELayer, x: T.Tensor, g: T.Tensor, run: () => T.Tensor): T.Tensor[] {
  const params = layer.parameters();
  const y = run();
  const grads = T.gradients([y], [x, ...params], [g], { allowUnused: true } as never);
  return [y, ...grads.map((t, i) => t ?? T.zerosLike(i === 0 ? x : params[i - 1]!))];
}

const CASES: [string, Omit<MoELayerOptions, 'device'>][] = [
  ['top-2 swiglu', { numExperts: 4, hidden: 6, gate: 'topk', gateOptions: { k: 2 } }],
  ['top-1 polynorm experts', { numExperts: 3, hidden: 4, expert: 'polynorm', gate: 'topk', gateOptions: { k: 1, renormalize: false } }],
  ['temperature, sparse by threshold', { numExperts: 4, hidden: 6, expert: 'gelu', gate: 'temperature', gateOptions: { tau: 0.3, threshold: 0.2 } }],
  ['activation gelu', { numExperts: 4, hidden: 6, gate: 'activation', gateOptions: { activation: 'gelu', tau: 0.5, threshold: 0.1 } }],
  ['sigmoid top-2', { numExperts: 4, hidden: 6, gate: 'sigmoid', gateOptions: { k: 2 } }],
  ['softmax dense', { numExperts: 3, hidden: 4, gate: 'softmax' }],
  ['expert choice', { numExperts: 4, hidden: 4, gate: 'expert_choice', gateOptions: { capacityFactor: 1 } }],
];

describe.each(backends.map((b) => [b.name, b] as const))('on %s', (_name, device) => {
  test.each(CASES)('%s: grouped experts = every expert on every token (outputs and gradients)', async (_label, options) => {
    for (const readCounts of device.name === 'cpu' ? [true, false] : [false]) {
      T.manualSeed(3);
      const layer = new MoELayer(8, { ...options, device, readCounts });
      const x = T.randn([2, 5, 8], { device, requiresGrad: true });
      const g = T.randn([2, 5, 8], { device });
      const got = outputAndGrads(layer, x, g, () => layer.forward(x));
      const want = outputAndGrads(layer, x, g, () => denseMoE(layer, x));
      for (let i = 0; i < want.length; i++) expect(await relErr(got[i]!, want[i]!), `tensor ${i}, readCounts ${readCounts}`).toBeLessThan(2e-5);
      T.dispose([got, want, x, g]);
      layer.dispose();
    }
  }, 60_000);

  test('a capacity factor drops the routed tokens past each expert capacity, in token order', async () => {
    T.manualSeed(5);
    const layer = new MoELayer(8, { numExperts: 4, hidden: 6, gate: 'topk', gateOptions: { k: 1 }, capacityFactor: 0.5, device });
    const x = T.randn([12, 8], { device });
    expect(layer.capacity(12)).toBe(2); // ceil(0.5 * 12 * 1 / 4)
    const y = layer.forward(x);
    // The expected kept pairs, worked out on the host from the gate's own routing.
    const { mask } = layer.gate.route(x);
    const m = Array.from(await mask.data());
    const keep = new Float32Array(48);
    const seen = [0, 0, 0, 0];
    let kept = 0;
    for (let n = 0; n < 12; n++) {
      for (let e = 0; e < 4; e++) {
        if (m[n * 4 + e] && seen[e]! < 2) {
          keep[n * 4 + e] = 1;
          seen[e]!++;
          kept++;
        }
      }
    }
    const keepT = T.tensor(keep, { shape: [12, 4], device });
    const want = denseMoE(layer, x, keepT);
    expect(await relErr(y, want)).toBeLessThan(2e-5);
    const s = (await layer.stats())!;
    expect(s.load).toEqual(seen);
    expect(s.droppedTokens).toBeCloseTo((12 - kept) / 12, 6);
    expect(s.droppedAssignments).toBeCloseTo((12 - kept) / 12, 6);
    expect(s.activeExperts).toBeCloseTo(kept / 12, 6);
    T.dispose([x, y, mask, keepT, want]);
    layer.dispose();
  }, 60_000);
});

describe('statistics and the auxiliary loss', () => {
  const device = backends[0]!;

  test('float64 on cpu: grouped experts = the dense reference to 1e-12', async () => {
    T.manualSeed(4);
    const layer = new MoELayer(6, { numExperts: 3, hidden: 4, gate: 'temperature', gateOptions: { tau: 0.5, threshold: 0.2 }, device, dtype: 'float64' });
    const x = T.randn([7, 6], { device, dtype: 'float64' });
    const [y, want] = [layer.forward(x), denseMoE(layer, x)];
    expect(y.dtype).toBe('float64');
    expect(await relErr(y, want)).toBeLessThan(1e-12);
    T.dispose([x, y, want]);
    layer.dispose();
  });

  test('stats: load per expert, active experts per token, load CV; the aux loss is load balancing + z-loss', async () => {
    T.manualSeed(1);
    const layer = new MoELayer(8, { numExperts: 4, hidden: 4, gate: 'topk', gateOptions: { k: 2 }, device, loadBalancingWeight: 0.5, zLossWeight: 0.25 });
    expect(await layer.stats()).toBeNull();
    const x = T.randn([10, 8], { device });
    const y = layer.forward(x);
    const s = (await layer.stats())!;
    expect(s.tokens).toBe(10);
    expect(s.load.reduce((a, b) => a + b, 0)).toBe(20);
    expect(s.activeExperts).toBe(2);
    expect(s.droppedTokens).toBe(0);
    const m = s.load.reduce((a, b) => a + b, 0) / 4;
    expect(s.loadCv).toBeCloseTo(Math.sqrt(s.load.reduce((a, b) => a + (b - m) ** 2, 0) / 4) / m, 6);
    // The aux loss by hand from the gate's outputs.
    const r = layer.gate.route(x);
    const [p, mk, z] = [await r.probs.data(), await r.mask.data(), await r.logits.data()];
    let lb = 0;
    for (let e = 0; e < 4; e++) {
      let f = 0;
      let pm = 0;
      for (let n = 0; n < 10; n++) {
        f += mk[n * 4 + e]! / 10;
        pm += p[n * 4 + e]! / 10;
      }
      lb += f * pm;
    }
    let zl = 0;
    for (let n = 0; n < 10; n++) {
      const row = Array.from(z.slice(n * 4, n * 4 + 4));
      const mx = Math.max(...row);
      zl += (mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0))) ** 2 / 10;
    }
    expect(s.loadBalancingLoss).toBeCloseTo(0.5 * 4 * lb, 5);
    expect(s.zLoss).toBeCloseTo(0.25 * zl, 5);
    expect(await layer.lastAuxLoss!.item()).toBeCloseTo(0.5 * 4 * lb + 0.25 * zl, 5);
    T.dispose([x, y, r]);
    layer.dispose();
  });

  test('a drop-in FFN for DecoderLM: moeAuxLoss trains the router, setTemperature anneals, no leak', async () => {
    const before = T.memory().liveTensors;
    T.manualSeed(2);
    const model = new DecoderLM({
      vocabSize: 11, dim: 8, numLayers: 2, numHeads: 2, norm: 'rmsnorm', bias: false, device,
      ffn: moeFeedForward({ numExperts: 3, hidden: 4, gate: 'temperature', gateOptions: { tau: 2 }, layers: (l) => l === 1, dense: (d) => new SwiGLU(d, 4, { device }) }),
    });
    const layers = moeLayers(model);
    expect(layers.length).toBe(1);
    expect(model.blocks.at(0).mlp).toBeInstanceOf(SwiGLU);
    expect(setTemperature(model, 0.5)).toBe(1);
    expect((layers[0]!.gate as TemperatureGate).tau).toBe(0.5);
    expect(() => moeAuxLoss(model)).toThrow(/no MoE layer that has run/);
    const tokens = T.randint(0, 11, [2, 6], { dtype: 'int32', device });
    const loss = T.tidy(() => {
      const logits = model.forward(tokens.narrow(1, 0, 5));
      return sequenceCrossEntropy(logits, tokens.narrow(1, 1, 5).contiguous()).add(moeAuxLoss(model));
    });
    loss.backward();
    const gw = layers[0]!.gate.weight.grad;
    expect(gw).not.toBeNull();
    expect(Math.max(...Array.from(await gw!.data()).map(Math.abs))).toBeGreaterThan(0);
    const stats = await moeStats(model);
    expect(stats.length).toBe(1);
    expect(stats[0]!.tokens).toBe(10);
    T.dispose([loss, tokens]);
    model.zeroGrad();
    model.dispose();
    expect(T.memory().liveTensors).toBe(before);
  }, 60_000);

  test('bad options and inputs give typed errors naming the layer', () => {
    const device = backends[0]!;
    expect(() => new MoELayer(8, { numExperts: 0, hidden: 4 })).toThrow(/numExperts must be a positive integer, got 0/);
    expect(() => new MoELayer(8, { numExperts: 2, hidden: 4, capacityFactor: -1 })).toThrow(T.ValueError);
    expect(() => new MoELayer(8, { numExperts: 2, hidden: 4, gate: 'nope' as never })).toThrow(/unknown gate 'nope'/);
    expect(() => new MoELayer(8, { numExperts: 2, hidden: 4, gateOptions: { k: 3 } })).toThrow(/k = 3 is larger than numExperts = 2/);
    expect(() => moeFeedForward({ numExperts: 2, hidden: 4, layers: () => false })(8, 0)).toThrow(/no 'dense' factory/);
    const layer = new MoELayer(8, { numExperts: 2, hidden: 4, device });
    expect(layer.experts.at(0)).toBeInstanceOf(SwiGLU);
    expect(() => layer.forward(T.zeros([3, 7], { device }))).toThrow(T.ShapeError);
    expect(() => layer.forward(T.zeros([3, 7], { device }))).toThrow(/MoELayer\(dim=8, experts=2, gate=topk\): expected input of shape \[\.\.\., 8\], got \[3, 7\]/);
    expect(() => layer.forward(T.zeros([3, 8], { dtype: 'int32', device }))).toThrow(T.DTypeError);
    expect(() => layer.forward(T.zeros([0, 8], { device }))).toThrow(/no tokens/);
    layer.dispose();
    const mlp = new MoELayer(8, { numExperts: 2, hidden: 4, expert: 'relu' });
    expect(mlp.experts.at(0)).toBeInstanceOf(FeedForward);
    mlp.dispose();
  });
});
