import { describe, expect, test } from 'vitest';
import { extractBlocks, pruneDoctestDir, readmeDoctests, rewriteImports } from '../../../tools/doctest/doctest.js';
import { setBackend } from './index.js';

// The ```ts examples of this package's README, of the repository README and of the guide
// docs/tensors-and-autograd.md (both only use this package) run as tests (see
// tools/doctest/README.md): imports of '@nonlinear/tensor' are pointed at src/index.ts and each
// block starts on the cpu backend unless it calls setBackend itself. Mark a fragment that cannot
// run on its own with ```ts no-run. Generated files go to .doctest/ (gitignored).
const outDir = new URL('../.doctest/', import.meta.url);
const entry = new URL('./index.ts', import.meta.url);
const cases = [
  ...readmeDoctests({ readme: new URL('../README.md', import.meta.url), packageName: '@nonlinear/tensor', entry, outDir }),
  ...readmeDoctests({ readme: new URL('../../../README.md', import.meta.url), packageName: '@nonlinear/tensor', entry, outDir, label: 'README.md' }),
  ...readmeDoctests({ readme: new URL('../../../docs/tensors-and-autograd.md', import.meta.url), packageName: '@nonlinear/tensor', entry, outDir }),
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
    }, 120_000);
  }
});

describe('tools/doctest', () => {
  test('extracts fenced blocks with language, flags and line', () => {
    const md = ['# t', '```ts', 'a();', '```', '', '~~~ts no-run', 'b();', '~~~', '```sh', 'ls', '```'].join('\n');
    expect(extractBlocks(md)).toEqual([
      { line: 2, lang: 'ts', flags: [], code: 'a();\n' },
      { line: 6, lang: 'ts', flags: ['no-run'], code: 'b();\n' },
      { line: 9, lang: 'sh', flags: [], code: 'ls\n' },
    ]);
  });
  test('rewrites only the mapped specifiers', () => {
    const code = "import * as T from '@nonlinear/tensor';\nimport { x } from \"@nonlinear/nn\";\nconst m = await import('@nonlinear/tensor');\n";
    expect(rewriteImports(code, { '@nonlinear/tensor': '../src/index.ts' })).toBe(
      "import * as T from '../src/index.ts';\nimport { x } from \"@nonlinear/nn\";\nconst m = await import('../src/index.ts');\n",
    );
  });
});
