import { describe, expect, test } from 'vitest';
import { extractBlocks, rewriteImports } from '../../../tools/doctest/doctest.js';
import { doctestSuite } from '../../../tools/doctest/suite.js';
import { setBackend } from './index.js';

// The ```ts examples of this package's README, of the repository README and of the guide
// docs/tensors-and-autograd.md (both only use this package) run as tests (see
// tools/doctest/README.md): imports of '@nonlinear/tensor' are pointed at src/index.ts and each
// block starts on the cpu backend unless it calls setBackend itself. Mark a fragment that cannot
// run on its own with ```ts no-run. Generated files go to .doctest/ (gitignored).
doctestSuite({
  packageName: '@nonlinear/tensor',
  entry: new URL('./index.ts', import.meta.url),
  outDir: new URL('../.doctest/', import.meta.url),
  docs: [
    { readme: new URL('../README.md', import.meta.url) },
    { readme: new URL('../../../README.md', import.meta.url), label: 'README.md' },
    { readme: new URL('../../../docs/tensors-and-autograd.md', import.meta.url) },
  ],
  setBackend,
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
