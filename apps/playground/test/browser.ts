// Starts the playground's Vite dev server and Debian's Chromium (never a downloaded browser)
// with WebGPU on, for the end-to-end tests. Without Chromium the tests are skipped loudly,
// except under CI=true, where they must run.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

/** Debian's package (`apt-get install chromium`); NONLINEAR_CHROMIUM overrides the path. */
export const CHROMIUM = process.env.NONLINEAR_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium with WebGPU even where the machine has no GPU, and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** True under CI, where a missing browser or adapter fails the run instead of skipping. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Whether the browser tests can run here; under CI a missing Chromium throws. */
export function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `Chromium not found at ${CHROMIUM} (apt-get install chromium, or run scripts/setup.sh)`;
  if (IN_CI) throw new Error(`CI=true but ${msg}`);
  console.warn(`[playground tests] BROWSER TESTS SKIPPED: ${msg}`);
  return false;
}

/** A running dev server and browser; close() stops both and removes the profile. */
export interface Session {
  /** The dev server's base URL, ending in '/'. */
  readonly url: string;
  /** A browser context on a fresh profile. */
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts the dev server on a free port and Chromium on a fresh profile. */
export async function startSession(): Promise<Session> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const server: ViteDevServer = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    server: { port: 0, host: '127.0.0.1', strictPort: false },
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite: the dev server reported no local URL');
  const profile = await mkdtemp(join(tmpdir(), 'nonlinear-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
  } catch (e) {
    await server.close();
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    url,
    context,
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
