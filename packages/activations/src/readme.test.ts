import { setBackend } from '@nonlinear/tensor';
import { describe, expect, test } from 'vitest';
import { pruneDoctestDir, readmeDoctests } from '../../../tools/doctest/doctest.js';

// The ```ts examples of this package's README and of the guide docs/activations.md run as tests (see
// tools/doctest/README.md): imports of '@nonlinear/activations' are pointed at src/index.ts (other
// packages resolve as usual) and each block starts on the cpu backend unless it calls
// setBackend itself. Mark a fragment that cannot run on its own with ```ts no-run. Generated
// files go to .doctest/ (gitignored).
const outDir = new URL('../.doctest/', import.meta.url);
const entry = new URL('./index.ts', import.meta.url);
const cases = [
  ...readmeDoctests({ readme: new URL('../README.md', import.meta.url), packageName: '@nonlinear/activations', entry, outDir }),
  ...readmeDoctests({ readme: new URL('../../../docs/activations.md', import.meta.url), packageName: '@nonlinear/activations', entry, outDir }),
];

pruneDoctestDir(outDir, cases);

describe('README examples', () => {
  test('there are examples to run', () => {
    expect(cases.filter((c) => !c.skip).length).toBeGreaterThan(0);
  });
  for (const c of cases) {
    test.skipIf(c.skip)(c.name, async () => {
      await setBackend('cpu');
      await c.run();
    }, 300_000);
  }
});
