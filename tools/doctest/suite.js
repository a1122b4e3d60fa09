// The vitest suite every package's readme.test.ts declares: the ```ts blocks of the given
// markdown files, each run on the cpu backend unless the block picks one itself. Blocks marked
// ```ts no-run are fragments, reported as skipped.
import { describe, expect, test } from 'vitest';
import { pruneDoctestDir, readmeDoctests } from './doctest.js';

/**
 * @param {{ packageName: string, entry: URL, outDir: URL, docs: { readme: URL, label?: string }[],
 *   setBackend: (name: 'cpu') => Promise<unknown>, timeout?: number }} options
 */
export function doctestSuite({ packageName, entry, outDir, docs, setBackend, timeout = 120_000 }) {
  const cases = docs.flatMap(({ readme, label }) => readmeDoctests({ readme, packageName, entry, outDir, label }));
  pruneDoctestDir(outDir, cases);
  describe('README examples', () => {
    test('there are examples to run', () => {
      expect(cases.filter((c) => !c.skip).length).toBeGreaterThan(0);
    });
    for (const c of cases) {
      test.skipIf(c.skip)(c.name, async () => {
        await setBackend('cpu');
        await c.run();
      }, timeout);
    }
  });
  return cases;
}
