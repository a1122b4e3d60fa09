import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, haveChromium, startSession, type Session } from './browser.js';

/** Screenshots of the run land here (ignored by git; the README's come from such a run). */
const SHOTS = fileURLToPath(new URL('../../../results/playground/', import.meta.url));

let session: Session;
const errors: string[] = [];
/** Why Chromium gave no WebGPU adapter, or null when it gave one. */
let noAdapter: string | null = null;
/** The activation explorer's first curves on webgpu, to compare the cpu fallback with. */
let webgpuCurves: Curves | null = null;

/** Opens a page and waits until it reports ready (or an error, or no adapter). */
async function open(path: string): Promise<Page> {
  const page = await session.context.newPage();
  page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
  });
  await page.goto(new URL(path, session.url).toString());
  await page.waitForFunction(
    () => document.body.dataset.error !== undefined || document.body.dataset.ready === 'true' || document.body.dataset.backend === 'none',
    null,
    { timeout: 90_000 },
  );
  const err = await page.evaluate(() => document.body.dataset.error);
  expect(err, `${path} reported an error`).toBeUndefined();
  if ((await page.evaluate(() => document.body.dataset.backend)) === 'none') {
    throw new Error(`${path}: Chromium gave no WebGPU adapter: ${await page.textContent('#no-webgpu')}`);
  }
  return page;
}

/** Skips a WebGPU test where Chromium has no adapter, loudly; under CI=true the probe already failed. */
function needWebGPU(ctx: { skip: (note?: string) => void }): void {
  if (noAdapter) ctx.skip(`no WebGPU adapter in Chromium: ${noAdapter}`);
}

type Curves = Record<'polyrelu' | 'polynorm' | 'gelu' | 'swiglu', { y: number[]; dy: number[] }>;

async function curves(page: Page): Promise<Curves> {
  return JSON.parse((await page.evaluate(() => document.body.dataset.curves))!) as Curves;
}

/** The value at abscissa x of a curve sampled on linspace(-3, 3, 241). */
function at(values: number[], x: number): number {
  return values[Math.round((x + 3) * 40)]!;
}

describe.skipIf(!haveChromium())('playground in headless Chromium', () => {
  beforeAll(async () => {
    session = await startSession();
    await mkdir(SHOTS, { recursive: true });
    // One probe for the adapter: under CI=true its absence fails the run, elsewhere the WebGPU tests are skipped loudly.
    const probe = await session.context.newPage();
    await probe.goto(new URL('index.html', session.url).toString());
    await probe.waitForFunction(() => document.body.dataset.backend !== undefined, null, { timeout: 60_000 });
    if ((await probe.evaluate(() => document.body.dataset.backend)) === 'none') {
      noAdapter = (await probe.textContent('#no-webgpu')) ?? 'unknown reason';
      if (IN_CI) throw new Error(`CI=true but Chromium gave no WebGPU adapter: ${noAdapter}`);
      console.warn(`[playground tests] WEBGPU BROWSER TESTS SKIPPED: ${noAdapter}`);
    }
    await probe.close();
  });
  afterAll(async () => {
    await session?.close();
  });
  // No page may log an error or throw one uncaught, whatever it displays.
  afterEach(() => {
    const seen = errors.splice(0);
    expect(seen).toEqual([]);
  });

  it('the home page acquires a WebGPU adapter and runs a first kernel', async (ctx) => {
    needWebGPU(ctx);
    const page = await open('index.html');
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
    expect(await page.textContent('#self-check')).toContain('= 64');
    console.log(`[playground tests] ${await page.textContent('#backend-label')}`);
    await page.close();
  });

  it('the activation explorer draws curves and autograd derivatives on webgpu, and follows the sliders', async (ctx) => {
    needWebGPU(ctx);
    const page = await open('activations.html');
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
    const c = await curves(page);
    webgpuCurves = c;
    // Closed forms at x = -3, 0, 1, 2, 3 (the grid is linspace(-3, 3, 241): step 1/40).
    expect(at(c.gelu.y, 0)).toBeCloseTo(0, 6);
    expect(at(c.gelu.dy, 0)).toBeCloseTo(0.5, 5);
    expect(at(c.gelu.y, 3)).toBeCloseTo(3 * 0.9986501, 4); // 3 Phi(3)
    expect(at(c.gelu.dy, 1)).toBeCloseTo(0.8413447 + 0.2419707, 4); // Phi(1) + phi(1)
    expect(at(c.swiglu.y, 1)).toBeCloseTo(0.7310586, 5); // silu(1) * 1
    // PolyReLU with the default coefficients (0, .333, .333, .333): a (x + x^2 + x^3) for x > 0, 0 below.
    expect(at(c.polyrelu.y, 2)).toBeCloseTo(0.333 * 14, 4);
    expect(at(c.polyrelu.dy, 2)).toBeCloseTo(0.333 * 17, 3);
    expect(at(c.polyrelu.y, -3)).toBe(0);
    expect(at(c.polyrelu.dy, -3)).toBe(0);
    await page.screenshot({ path: `${SHOTS}playground-activations.png`, fullPage: true });

    // Order 2 resets the coefficients to (0, .5, .5): .5 x + .5 x^2 at x = 2 is 3.
    const before = Number(await page.evaluate(() => document.body.dataset.draws));
    await page.locator('#order').fill('2');
    await page.waitForFunction((n) => Number(document.body.dataset.draws) > n && !document.querySelector('#coef-3'), before);
    await page.waitForFunction(() => JSON.parse(document.body.dataset.curves!).polyrelu.y[200] === 3);
    const c2 = await curves(page);
    expect(at(c2.polyrelu.y, 2)).toBe(3);
    expect(at(c2.polyrelu.dy, 2)).toBeCloseTo(0.5 + 2, 5);
    await page.close();
  });

  it('the KAN page trains an AF-KAN and an MLP of equal size side by side, and both losses fall', async (ctx) => {
    needWebGPU(ctx);
    const page = await open('kan.html?steps=10&lr=0.05');
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('webgpu');
    const info = (await page.textContent('#kan-info'))!;
    const counts = [...info.matchAll(/(\d+) parameters/g)].map((m) => Number(m[1]));
    expect(counts.length).toBe(2);
    // Equal parameter counts, up to the MLP's step of one hidden unit.
    expect(Math.abs(counts[0]! - counts[1]!) / counts[0]!).toBeLessThan(0.1);
    await page.click('#train');
    await page.waitForFunction(() => document.body.dataset.training === 'false' || document.body.dataset.error !== undefined, null, { timeout: 90_000 });
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();
    const losses = JSON.parse((await page.evaluate(() => document.body.dataset.losses))!) as Record<'kan' | 'mlp', number[]>;
    console.log(`[playground tests] KAN page, 10 Adam steps: AF-KAN ${losses.kan[0]} -> ${losses.kan.at(-1)}, MLP ${losses.mlp[0]} -> ${losses.mlp.at(-1)}; ${await page.evaluate(() => document.body.dataset.stepMs)} ms per step; ${info}`);
    for (const l of [losses.kan, losses.mlp]) {
      expect(l.length).toBe(2); // the initial loss and one every 10 steps
      expect(l.every(Number.isFinite)).toBe(true);
      expect(l.at(-1)!).toBeLessThan(0.8 * l[0]!);
    }
    await page.screenshot({ path: `${SHOTS}playground-kan.png`, fullPage: true });
    await page.close();
  });

  it('the MoE page routes a 2-D grid, sparser as the temperature falls, and anneals live', async (ctx) => {
    needWebGPU(ctx);
    const page = await open('moe.html?still&steps=3');
    type Routing = Record<'softmax' | 'temperature' | 'activation', { active: number; load: number[] }>;
    const routing = async (): Promise<Routing> => JSON.parse((await page.evaluate(() => document.body.dataset.routing))!) as Routing;
    const setTau = async (log10: number): Promise<Routing> => {
      await page.locator('#tau').fill(String(log10));
      await page.waitForFunction((t) => Math.abs(Math.log10(Number(document.body.dataset.tau)) - t) < 1e-6, log10);
      return routing();
    };
    const hot = await setTau(0.6); // tau = 3.98
    const cold = await setTau(-1.3); // tau = 0.05
    console.log(`[playground tests] MoE mean active experts at tau 3.98 / 0.05: ${JSON.stringify(Object.fromEntries(Object.entries(hot).map(([k, v]) => [k, [v.active, cold[k as keyof Routing].active]])))}`);
    // A dense softmax never gives an exact zero; the gates with a threshold drop experts as tau falls.
    expect(hot.softmax.active).toBe(6);
    expect(cold.softmax.active).toBe(6);
    expect(cold.temperature.active).toBeLessThan(hot.temperature.active);
    expect(cold.temperature.active).toBeLessThan(1.5);
    expect(cold.activation.active).toBeLessThan(hot.activation.active);
    for (const r of [hot, cold]) for (const g of Object.values(r)) expect(g.load.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    await page.click('#anneal');
    await page.waitForFunction(() => document.body.dataset.annealing === 'false' && Number(document.body.dataset.tau) <= 0.0501, null, { timeout: 90_000 });
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();
    console.log(`[playground tests] MoE frame (3 gates, ${64 * 64} tokens, one read back): ${await page.evaluate(() => document.body.dataset.frameMs)} ms`);
    await page.screenshot({ path: `${SHOTS}playground-moe.png`, fullPage: true });
    await page.close();
  });

  it('without WebGPU a page says so and runs on the cpu backend when asked', async () => {
    const page = await session.context.newPage();
    page.on('pageerror', (e) => errors.push(`no-webgpu: ${e.message}`));
    // Hides WebGPU from the page, as a browser without it would.
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }));
    await page.goto(new URL('activations.html', session.url).toString());
    await page.waitForSelector('#no-webgpu');
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('none');
    expect(await page.textContent('#no-webgpu')).toContain('WebGPU is not available');
    await page.screenshot({ path: `${SHOTS}playground-no-webgpu.png` });
    await page.click('#use-cpu');
    await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.error !== undefined, null, { timeout: 60_000 });
    expect(await page.evaluate(() => document.body.dataset.error)).toBeUndefined();
    expect(await page.evaluate(() => document.body.dataset.backend)).toBe('cpu');
    const c = await curves(page);
    expect(at(c.gelu.dy, 0)).toBeCloseTo(0.5, 6);
    expect(at(c.polyrelu.y, 2)).toBeCloseTo(0.333 * 14, 4);
    // The two backends draw the same curves (f32 on both; PolyNorm's row sums differ in order).
    if (webgpuCurves) {
      for (const k of Object.keys(c) as (keyof Curves)[]) {
        for (const part of ['y', 'dy'] as const) {
          const diff = Math.max(...c[k][part].map((v, i) => Math.abs(v - webgpuCurves![k][part][i]!) / Math.max(1, Math.abs(v))));
          expect(diff, `${k}.${part}: cpu vs webgpu`).toBeLessThan(1e-4);
        }
      }
    }
    await page.close();
  });
});
