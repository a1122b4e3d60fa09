import { setBackend, type Backend } from '@nonlinear/tensor';

/** The demos of the playground, in the order of the navigation bar. */
export const DEMOS = [
  { page: 'activations', title: 'Activation explorer' },
  { page: 'kan', title: 'KAN vs MLP' },
  { page: 'moe', title: 'MoE routing' },
] as const;

/** What a page gets once its backend is up. */
export interface PageContext {
  /** The backend every tensor of the page lives on (also the default backend). */
  readonly backend: Backend;
  /** The element the page draws into. */
  readonly main: HTMLElement;
}

/** The backend the URL asks for (`?backend=cpu` or `?backend=webgpu`), or null for the default. */
export function requestedBackend(search = location.search): 'cpu' | 'webgpu' | null {
  const b = new URLSearchParams(search).get('backend');
  return b === 'cpu' || b === 'webgpu' ? b : null;
}

/** The current URL with `?backend=` set, keeping the rest. */
function withBackend(name: 'cpu' | 'webgpu'): string {
  const url = new URL(location.href);
  url.searchParams.set('backend', name);
  return url.toString();
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function header(current: string): HTMLElement {
  const h = el('header');
  const nav = el('nav');
  nav.append(el('a', { href: './index.html' }, 'nonlinear playground'));
  for (const d of DEMOS) {
    const a = el('a', { href: `./${d.page}.html${location.search}` }, d.title);
    if (d.page === current) a.classList.add('current');
    nav.append(a);
  }
  h.append(nav, el('span', { id: 'backend-label' }, 'starting...'));
  return h;
}

/**
 * Shown where WebGPU is missing or gives no adapter: says so plainly and offers the cpu backend
 * (the same packages, run by the reference kernels in JavaScript: slower, same numbers).
 */
function noWebGPU(main: HTMLElement, reason: string): void {
  const box = el('section', { id: 'no-webgpu', class: 'notice' });
  box.append(
    el('h2', {}, 'WebGPU is not available in this browser'),
    el('p', {}, reason),
    el('p', {}, 'The demos can run on the cpu backend instead: the same code on the reference kernels in JavaScript, slower but with the same results.'),
  );
  const go = el('a', { id: 'use-cpu', class: 'button', href: withBackend('cpu') }, 'Run on the cpu backend');
  box.append(go);
  main.append(box);
}

/** Marks the page as failed, with the message where a reader (and the browser tests) see it. */
export function showError(main: HTMLElement, e: unknown): void {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  console.error(e);
  document.body.dataset.error = msg;
  const box = el('section', { class: 'notice error' });
  box.append(el('h2', {}, 'Something went wrong'), el('pre', {}, msg));
  main.append(box);
}

/**
 * Builds the page frame, starts the backend (webgpu unless `?backend=cpu`) and runs the page.
 * `document.body.dataset.backend` names the backend once known ('none' without one), and
 * `dataset.ready` becomes 'true' after `run` resolves, that is after the page's first kernel
 * ran and its result was read back.
 */
export async function startPage(page: string, title: string, run: (ctx: PageContext) => Promise<void>): Promise<void> {
  document.title = `${title} - nonlinear playground`;
  const main = el('main');
  document.body.append(header(page), main);
  main.append(el('h1', {}, title));
  const label = document.getElementById('backend-label')!;
  const wanted = requestedBackend() ?? 'webgpu';
  const nav = navigator as Navigator & { gpu?: GPU };
  if (wanted === 'webgpu' && !nav.gpu) {
    document.body.dataset.backend = 'none';
    label.textContent = 'no WebGPU';
    noWebGPU(main, 'This browser does not expose navigator.gpu (WebGPU is off, unsupported, or blocked on this device).');
    return;
  }
  let backend: Backend;
  try {
    backend = await setBackend(wanted);
  } catch (e) {
    document.body.dataset.backend = 'none';
    label.textContent = 'no WebGPU';
    noWebGPU(main, `The browser has navigator.gpu but no usable adapter: ${(e as Error).message.split('. ')[0]}.`);
    return;
  }
  document.body.dataset.backend = backend.name;
  label.textContent = `${backend.name}: ${backend.description}`;
  const other = backend.name === 'cpu' ? 'webgpu' : 'cpu';
  const sw = el('a', { id: 'switch-backend', href: withBackend(other) }, `switch to ${other}`);
  label.after(sw);
  try {
    await run({ backend, main });
    document.body.dataset.ready = 'true';
  } catch (e) {
    showError(main, e);
  }
}
