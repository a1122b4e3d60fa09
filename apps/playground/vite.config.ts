import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** One HTML page per demo; each is a plain TypeScript module on the nonlinear packages. */
export const PAGES = ['index', 'activations', 'kan', 'moe'] as const;

export default defineConfig({
  root,
  // The packages are ES2022 with top-level await in none of them; modern browsers only (WebGPU).
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: { input: Object.fromEntries(PAGES.map((p) => [p, resolve(root, `${p}.html`)])) },
  },
  server: { port: 5173 },
});
