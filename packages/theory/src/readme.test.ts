import { setBackend } from '@nonlinear/tensor';
import { doctestSuite } from '../../../tools/doctest/suite.js';

// The ```ts examples of this package's README run as tests (see tools/doctest/README.md): imports of
// '@nonlinear/theory' are pointed at src/index.ts and each block starts on the cpu backend unless it
// calls setBackend itself. Generated files go to .doctest/ (gitignored).
doctestSuite({
  packageName: '@nonlinear/theory',
  entry: new URL('./index.ts', import.meta.url),
  outDir: new URL('../.doctest/', import.meta.url),
  docs: [{ readme: new URL('../README.md', import.meta.url) }],
  setBackend,
  timeout: 300_000,
});
