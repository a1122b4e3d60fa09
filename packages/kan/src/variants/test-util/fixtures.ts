import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FixtureTensor, KANFixture } from '../../test-util/fixtures.js';

/** Reading the PyTorch golden fixtures made by tools/fixtures/gen_kan_variants_fixtures.py. */

/** efficient-kan's regulariser on one spline_weight. */
export interface RegularizationFixture {
  name: string;
  regActivation: number;
  regEntropy: number;
  spline_weight: FixtureTensor;
  loss: number;
  grad: FixtureTensor;
}

/** efficient-kan's grid update (refitting the unscaled spline weights) from samples x. */
export interface UpdateGridFixture {
  name: string;
  config: { inFeatures: number; outFeatures: number; gridSize: number; splineOrder: number };
  grid: FixtureTensor;
  spline_weight: FixtureTensor;
  x: FixtureTensor;
  new_grid: FixtureTensor;
  new_spline_weight: FixtureTensor;
}

/** The whole file: layer cases (kind efficientkan, fastkan, fasterkan, chebykan, fourierkan, bsrbfkan). */
export interface VariantFixtures {
  cases: KANFixture[];
  regularization: RegularizationFixture[];
  updateGrid: UpdateGridFixture[];
}

export function loadVariantFixtures(): VariantFixtures {
  const path = fileURLToPath(new URL('../../../test/fixtures/kan-variants.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as VariantFixtures;
}

export { fixtureTensor, compareFixture, type FixtureTensor } from '../../test-util/fixtures.js';
