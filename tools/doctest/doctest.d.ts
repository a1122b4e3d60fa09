/** A fenced code block of a markdown text. */
export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The first word of the info string, lower-cased ('ts', 'sh', ''). */
  lang: string;
  /** The other words of the info string ('no-run'). */
  flags: string[];
  /** The block's text, ending in a newline. */
  code: string;
}

/** One README example as a test case. */
export interface DoctestCase {
  /** `<label>:<line>`, for the test name. */
  name: string;
  /** Line of the opening fence in the README. */
  line: number;
  /** True for blocks marked `no-run`. */
  skip: boolean;
  /** The block as written in the README. */
  code: string;
  /** Where run() writes the rewritten block. */
  file: string;
  /** Writes and imports the block; rejects if it throws. */
  run(): Promise<void>;
}

export function extractBlocks(markdown: string): CodeBlock[];
export function rewriteImports(code: string, map: Record<string, string>): string;
export function readmeDoctests(options: {
  /** The README to read. */
  readme: string | URL;
  /** The package's own name, as the examples import it ('@nonlinear/tensor'). */
  packageName: string;
  /** The file imports of `packageName` are pointed at (the package's src/index.ts). */
  entry: string | URL;
  /** Where the generated .ts files go (a gitignored folder inside the package). */
  outDir: string | URL;
  /** Names the cases and files; default `<folder>/README.md` ('tensor/README.md'). */
  label?: string;
}): DoctestCase[];
export function pruneDoctestDir(outDir: string | URL, cases: readonly { file: string }[]): void;
