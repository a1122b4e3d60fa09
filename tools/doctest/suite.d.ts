import type { DoctestCase } from './doctest.js';

/** Declares the README-examples suite of a package (see suite.js). */
export function doctestSuite(options: {
  packageName: string;
  entry: URL;
  outDir: URL;
  docs: { readme: URL; label?: string }[];
  setBackend: (name: 'cpu') => Promise<unknown>;
  timeout?: number;
}): DoctestCase[];
