// Each package bundles for the browser with Vite and no Node polyfills: no Node built-in is
// imported statically anywhere in its graph (a guarded dynamic import, run only in Node, is
// allowed), and the bundle evaluates in a context with a browser's globals and no Node ones
// (no process, no require, no Buffer, no WebGPU either: importing must not need an adapter).
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { build, type Plugin, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

/** Every package of the monorepo; their published entries (dist/) are what a browser app bundles. */
const PACKAGES = ['tensor', 'nn', 'activations', 'kan', 'moe', 'theory', 'datasets'] as const;

interface BuiltinImport {
  source: string;
  importer: string;
  kind: string;
}

/** Resolves a package's browser entry from its package.json exports, as a bundler does. */
async function entryOf(name: string): Promise<string> {
  const pkgJson = fileURLToPath(new URL(`../node_modules/@nonlinear/${name}/package.json`, import.meta.url));
  const pkg = JSON.parse(await readFile(pkgJson, 'utf8')) as { exports: { '.': { import: string } } };
  return join(dirname(pkgJson), pkg.exports['.'].import);
}

/** Records every import of a Node built-in and keeps it out of the bundle (no polyfill). */
function builtinRecorder(found: BuiltinImport[]): Plugin {
  return {
    name: 'record-node-builtins',
    enforce: 'pre',
    resolveId(source, importer, options) {
      if (!isBuiltin(source)) return null;
      found.push({ source, importer: importer ?? '(entry)', kind: (options as { kind?: string }).kind ?? 'unknown' });
      return { id: source, external: true };
    },
  };
}

async function bundle(name: string): Promise<{ code: string; chunk: Rollup.OutputChunk; builtins: BuiltinImport[] }> {
  const entry = await entryOf(name);
  const builtins: BuiltinImport[] = [];
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    root: dirname(entry),
    plugins: [builtinRecorder(builtins)],
    build: {
      write: false,
      minify: false,
      target: ['chrome121', 'firefox128', 'safari17'],
      lib: { entry, formats: ['es'], fileName: 'index' },
      rolldownOptions: { output: { codeSplitting: false } },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => o.output);
  const chunks = outputs.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
  expect(chunks.length, `${name}: one chunk`).toBe(1);
  return { code: chunks[0]!.code, chunk: chunks[0]!, builtins };
}

/** The globals a browser page has and Node-only code would reach for instead. */
function browserGlobals(): Record<string, unknown> {
  return {
    console,
    navigator: { userAgent: 'bundle-test', hardwareConcurrency: 1 },
    TextEncoder,
    TextDecoder,
    URL,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    performance,
    crypto: globalThis.crypto,
  };
}

/** Evaluates an ES bundle (its exports turned into a returned object) as a browser would, minus WebGPU. */
function evaluate(code: string): Record<string, unknown> {
  const exportsMatch = /\nexport\s*\{([^}]*)\};?\s*$/.exec(code);
  // A module's import.meta in a page: its URL (Node-only code paths read it behind guards).
  const body = (exportsMatch ? code.slice(0, exportsMatch.index) : code).replaceAll('import.meta', '({ url: "https://example.invalid/bundle.js" })');
  const names = exportsMatch ? exportsMatch[1]!.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const obj = names.map((n) => {
    const [local, exported] = n.split(/\s+as\s+/);
    return `${JSON.stringify(exported ?? local)}: ${local}`;
  });
  const context = vm.createContext(browserGlobals());
  context.window = context;
  context.self = context;
  return vm.runInContext(`(() => {\n${body}\nreturn { ${obj.join(', ')} };\n})()`, context, { filename: 'bundle.js' }) as Record<string, unknown>;
}

describe('packages bundle for the browser with Vite', () => {
  for (const name of PACKAGES) {
    it(`@nonlinear/${name}: no static Node built-in import, evaluates without Node globals`, async () => {
      const { code, chunk, builtins } = await bundle(name);
      const stat = builtins.filter((b) => b.kind !== 'dynamic-import');
      expect(stat, `@nonlinear/${name} imports Node built-ins statically`).toEqual([]);
      // The output agrees: nothing Node in its static imports.
      expect(chunk.imports.filter((i) => isBuiltin(i))).toEqual([]);
      expect(code).not.toMatch(/\brequire\(/);
      const exported = evaluate(code);
      // Every export of the package's entry is there after bundling.
      const mod = (await import(`@nonlinear/${name}`)) as Record<string, unknown>;
      expect(Object.keys(exported).sort()).toEqual(Object.keys(mod).sort());
    });
  }
});
