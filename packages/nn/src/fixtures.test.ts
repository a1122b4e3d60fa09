import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import type { Backend, Tensor } from '@nonlinear/tensor';
import { CausalSelfAttention, DecoderLM, type DecoderLMConfig, Embedding, LayerNorm, Linear, MLP, RMSNorm, TransformerBlock, type NormKind } from './layers/index.js';
import { bceWithLogits, crossEntropy, mse, nll, sequenceCrossEntropy, type Reduction } from './losses.js';
import type { Module } from './module.js';
import { testBackends } from './test-util/backends.js';
import { compareFixture, fixtureTensor, loadNNFixtures, type NNFixture } from './test-util/fixtures.js';

/**
 * Every layer and loss against PyTorch (test/fixtures/nn.json, from
 * tools/fixtures/gen_nn_fixtures.py): the output and the gradients of <output, cotangent> with
 * respect to every float input and every parameter. The fixtures are PyTorch's float64 answer
 * rounded to float32; we run in float32.
 *
 * Stated tolerances: |got - want| <= rtol (|want| + max|want|) with rtol = 1e-5 on cpu (float64
 * arithmetic, float32 storage between ops) and 1e-4 on webgpu (float32 arithmetic throughout).
 * Measured on lavapipe, every case also passes at 1e-6 on both; webgpu keeps headroom for real
 * GPUs' looser transcendental builtins.
 */
const RTOL: Record<string, number> = { cpu: 1e-5, webgpu: 1e-4 };

type Forward = { module: Module | null; run: (xs: Tensor[]) => Tensor };

function build(c: NNFixture, device: Backend): Forward {
  const k = c.config as Record<string, never>;
  const place = { device };
  const layer = <M extends Module & { forward(x: Tensor): Tensor }>(m: M): Forward => ({ module: m, run: (xs) => m.forward(xs[0]!) });
  const loss = (f: (xs: Tensor[]) => Tensor): Forward => ({ module: null, run: f });
  const reduction = (k.reduction ?? 'mean') as Reduction;
  switch (c.kind) {
    case 'Linear': return layer(new Linear(k.inFeatures, k.outFeatures, { ...place, bias: k.bias }));
    case 'Embedding': return layer(new Embedding(k.numEmbeddings, k.embeddingDim, place));
    case 'LayerNorm': return layer(new LayerNorm(k.normalizedShape, { ...place, eps: k.eps }));
    case 'RMSNorm': return layer(new RMSNorm(k.normalizedShape, { ...place, eps: k.eps }));
    case 'MLP': return layer(new MLP(k.inFeatures, k.hiddenFeatures, { ...place, activation: k.activation }));
    case 'CausalSelfAttention': return layer(new CausalSelfAttention(k.dim, k.numHeads, { ...place, maxSeqLen: k.maxSeqLen, bias: k.bias }));
    case 'TransformerBlock':
      return layer(new TransformerBlock(k.dim, k.numHeads, { ...place, maxSeqLen: k.maxSeqLen, norm: k.norm as NormKind, activation: k.activation }));
    case 'DecoderLM': return layer(new DecoderLM({ ...(c.config as unknown as DecoderLMConfig), device }));
    case 'crossEntropy':
      return loss(([x, t]) => crossEntropy(x!, t!, { reduction, ignoreIndex: k.ignoreIndex, labelSmoothing: k.labelSmoothing }));
    case 'sequenceCrossEntropy': return loss(([x, t]) => sequenceCrossEntropy(x!, t!, { reduction }));
    case 'nll': return loss(([x, t]) => nll(x!, t!, { reduction, ignoreIndex: k.ignoreIndex }));
    case 'mse': return loss(([x, t]) => mse(x!, t!, { reduction }));
    case 'bceWithLogits': {
      const pw = k.posWeight as number[] | undefined;
      return loss(([x, t]) => T.tidy(() => bceWithLogits(x!, t!, { reduction, posWeight: pw ? T.tensor(pw, { device }) : undefined })));
    }
    default:
      throw new Error(`no builder for fixture kind ${c.kind}`);
  }
}

const backends = await testBackends();
const cases = loadNNFixtures();

describe('PyTorch fixtures', () => {
  for (const device of backends) {
    describe(device.name, () => {
      const rtol = RTOL[device.name]!;
      for (const c of cases) {
        test(c.name, async () => {
          const before = T.memory().liveTensors;
          const { module, run } = build(c, device);
          if (module) {
            // Our names must be exactly PyTorch's, mapped: the state dict fits with strict loading.
            expect(Object.keys(module.stateDict()).sort()).toEqual(Object.keys(c.state).sort());
            const sd = Object.fromEntries(Object.entries(c.state).map(([n, f]) => [n, fixtureTensor(f, device)]));
            module.loadStateDict(sd);
            T.dispose(sd);
          }
          const xs = c.inputs.map((f) => fixtureTensor(f, device, f.dtype === 'float32'));
          const out = run(xs);
          expect(await compareFixture(out, c.output, rtol), 'output').toBeNull();
          const cot = fixtureTensor(c.cotangent, device);
          out.backward(cot);
          for (const [i, g] of c.grads.inputs.entries()) {
            if (g) expect(await compareFixture(xs[i]!.grad, g, rtol), `grad of input ${i}`).toBeNull();
          }
          for (const [name, g] of Object.entries(c.grads.params)) {
            expect(await compareFixture(module!.getParameter(name).grad, g, rtol), `grad of ${name}`).toBeNull();
          }
          for (const x of xs) x.grad?.dispose();
          T.dispose([xs, out, cot]);
          module?.dispose();
          expect(T.memory().liveTensors, 'live tensors after disposing everything').toBe(before);
        });
      }
    });
  }
});
