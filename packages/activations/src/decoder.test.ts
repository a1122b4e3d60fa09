import { expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { DecoderLM, sequenceCrossEntropy } from '@nonlinear/nn';
import { feedForward } from './index.js';

/** nn's DecoderLM takes these FFN blocks per layer, so the PolyCom coefficients train and save. */
test('a DecoderLM with a parameter-matched PolyNorm FFN per layer trains its coefficients', async () => {
  const device = await T.initBackend('cpu');
  T.manualSeed(1);
  const model = new DecoderLM({ vocabSize: 16, dim: 8, numLayers: 2, numHeads: 2, device, ffn: (dim) => feedForward('polynorm', dim, 8, { device }) });
  const names = model.namedParameters().map(([n]) => n);
  expect(names.filter((n) => n.includes('.mlp.'))).toEqual(expect.arrayContaining(['blocks.0.mlp.act.weight', 'blocks.1.mlp.act.weight']));
  const tokens = T.tensor(Int32Array.from({ length: 16 }, (_, i) => i % 16), { shape: [2, 8], device });
  const loss = T.tidy(() => sequenceCrossEntropy(model.forward(tokens.narrow(1, 0, 7)), tokens.narrow(1, 1, 7)));
  loss.backward();
  const coeff = model.namedParameters().find(([n]) => n === 'blocks.1.mlp.act.weight')![1];
  expect(coeff.grad).not.toBeNull();
  expect(Array.from(await coeff.grad!.data()).some((v) => v !== 0)).toBe(true);
  expect(Object.keys(model.stateDict())).toContain('blocks.0.mlp.act.bias');
  model.dispose();
});
