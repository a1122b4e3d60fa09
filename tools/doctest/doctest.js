// Runs the TypeScript examples of a README as tests, so documentation cannot drift from the code.
// Plain JavaScript with a declaration file beside it (doctest.d.ts): the packages' test files
// import it by relative path, and a .ts file outside a package's `rootDir` would break its
// typecheck. See README.md in this folder for the convention.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const LANGS = new Set(['ts', 'typescript']);
const SKIP_FLAG = 'no-run';

/** @param {string | URL} p */
const toPath = (p) => (p instanceof URL || String(p).startsWith('file:') ? fileURLToPath(p) : String(p));

/**
 * The fenced code blocks of a markdown text (``` or ~~~ fences, CommonMark rules for the closing
 * fence), with the language (first word of the info string), the other words as flags, and the
 * 1-based line of the opening fence.
 * @param {string} markdown
 */
export function extractBlocks(markdown) {
  const lines = markdown.split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const words = info.trim().split(/\s+/).filter(Boolean);
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).exec(lines[j]);
      if (close) break;
      body.push(indent ? lines[j].replace(new RegExp(`^ {0,${indent.length}}`), '') : lines[j]);
    }
    blocks.push({ line: i + 1, lang: (words[0] ?? '').toLowerCase(), flags: words.slice(1), code: body.join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

/**
 * `code` with every import of a module named in `map` (static `from '...'`, side-effect
 * `import '...'` and dynamic `import('...')`) pointed at the mapped specifier instead.
 * @param {string} code
 * @param {Record<string, string>} map
 */
export function rewriteImports(code, map) {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\2/g, (all, head, q, spec) =>
    Object.hasOwn(map, spec) ? `${head}${q}${map[spec]}${q}` : all,
  );
}

/**
 * One runnable case per ```ts block of a README (blocks whose info string carries `no-run`
 * are returned with `skip: true`). `run()` writes the block, with imports of `packageName`
 * pointed at `entry` (the package's src/index.ts), to `<outDir>/<label>-L<line>.ts` and
 * imports it, so the caller's test runner (vitest) compiles and executes it; it rejects when
 * the block throws.
 * @param {{ readme: string | URL, packageName: string, entry: string | URL, outDir: string | URL, label?: string }} options
 */
export function readmeDoctests({ readme, packageName, entry, outDir, label }) {
  const readmePath = toPath(readme);
  const entryPath = toPath(entry);
  const dir = toPath(outDir);
  const tag = label ?? `${basename(dirname(readmePath))}/${basename(readmePath)}`;
  const stem = tag.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  let spec = relative(dir, entryPath).split(sep).join('/');
  if (!spec.startsWith('.')) spec = `./${spec}`;
  return extractBlocks(readFileSync(readmePath, 'utf8'))
    .filter((b) => LANGS.has(b.lang))
    .map((b) => {
      const file = join(dir, `${stem}-L${b.line}.ts`);
      return {
        name: `${tag}:${b.line}`,
        line: b.line,
        skip: b.flags.includes(SKIP_FLAG),
        code: b.code,
        file,
        async run() {
          mkdirSync(dir, { recursive: true });
          // The generated files sit outside the package's `src`; give them a tsconfig of their
          // own so the transform never goes looking further up the file system.
          const tsconfig = join(dir, 'tsconfig.json');
          if (!existsSync(tsconfig)) writeFileSync(tsconfig, JSON.stringify({ extends: '../tsconfig.json', compilerOptions: { rootDir: '.' }, include: ['./*.ts'] }, null, 2) + '\n');
          const header = `// Generated from ${relative(dir, readmePath).split(sep).join('/')} line ${b.line} by tools/doctest; edit the README, not this file.\n`;
          const text = header + rewriteImports(b.code, { [packageName]: spec }) + '\nexport {};\n';
          // Unchanged files are not rewritten, so a watching test runner does not rerun forever.
          if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
          await import(/* @vite-ignore */ file);
        },
      };
    });
}

/**
 * Deletes the files of a doctest output folder that belong to none of `cases` (blocks that were
 * removed or moved), leaving current ones alone.
 * @param {string | URL} outDir
 * @param {readonly { file: string }[]} cases
 */
export function pruneDoctestDir(outDir, cases) {
  const dir = toPath(outDir);
  if (!existsSync(dir)) return;
  const keep = new Set([...cases.map((c) => c.file), join(dir, 'tsconfig.json')]);
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!keep.has(file)) rmSync(file, { recursive: true, force: true });
  }
}
