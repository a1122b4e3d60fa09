import * as T from '@nonlinear/tensor';
import { ActivationGate, SoftmaxGate, TemperatureGate, temperatureSchedule, type Gate } from '@nonlinear/moe';
import { button, latest, slider } from '../app/controls.js';
import { showError, startPage, type PageContext } from '../app/frame.js';
import { PALETTE } from '../app/plot.js';

/** Experts, grid cells per side, the input square [-R, R]^2. */
const E = 6;
const G = 64;
const R = 3;
/** The annealing: tau from TAU_MAX down to TAU_MIN over STEPS frames (EvoMoE's exponential schedule). */
const TAU_MAX = 4;
const TAU_MIN = 0.05;
const STEPS = 90;
/** The gates' skip threshold (EvoMoE's 0.001): experts below it get no token. */
const THRESHOLD = 1e-3;
/** Length of each expert's router row. */
const ROUTER_NORM = 1.5;

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const COLORS = PALETTE.slice(0, E).map(rgb);

/** One panel: a gate, its canvas and its statistics line. */
interface Panel {
  key: 'softmax' | 'temperature' | 'activation';
  title: string;
  gate: Gate;
  canvas: HTMLCanvasElement;
  stats: HTMLElement;
}

/** Paints each cell with the experts' colours mixed by the combine weights (a sharp gate gives flat regions). */
function paint(canvas: HTMLCanvasElement, w: Float32Array): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(G, G);
  for (let i = 0; i < G * G; i++) {
    let r = 0, g = 0, b = 0;
    for (let e = 0; e < E; e++) {
      const p = w[i * E + e]!;
      r += p * COLORS[e]![0];
      g += p * COLORS[e]![1];
      b += p * COLORS[e]![2];
    }
    // Row 0 of the grid is y = -R: draw it at the bottom.
    const row = G - 1 - Math.floor(i / G);
    const o = (row * G + (i % G)) * 4;
    img.data.set([r, g, b, 255], o);
  }
  const off = new OffscreenCanvas(G, G);
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/** Mean over tokens of the number of experts with a non-zero weight, and each expert's share of tokens (argmax). */
function routingStats(w: Float32Array): { active: number; load: number[] } {
  let active = 0;
  const load = new Array<number>(E).fill(0);
  for (let i = 0; i < G * G; i++) {
    let best = 0;
    for (let e = 0; e < E; e++) {
      if (w[i * E + e]! > 0) active++;
      if (w[i * E + e]! > w[i * E + best]!) best = e;
    }
    load[best]!++;
  }
  return { active: active / (G * G), load: load.map((l) => l / (G * G)) };
}

async function run({ main }: PageContext): Promise<void> {
  main.append(
    Object.assign(document.createElement('p'), {
      textContent:
        `A router over 2-D inputs on [-${R}, ${R}]^2 with ${E} experts, the same W_g in each gate. Each cell is coloured by the experts' combine weights: blended where the gate is soft, flat where it is sharp. The temperature and activation (tanh) gates skip experts below ${THRESHOLD} and go from dense to sparse as tau falls; the plain softmax gate has no temperature.`,
    }),
  );
  const controls = document.createElement('section');
  controls.className = 'controls';
  const row = document.createElement('section');
  row.className = 'plots';
  main.append(controls, row);

  // The same W_g in every gate, so the panels differ only by the gate: expert e's row points at
  // angle 2 pi e / E (a pinwheel of E sectors), long enough that a cold gate is sharp on the square.
  const w = T.tensor(Array.from({ length: E }, (_, e) => [Math.cos((2 * Math.PI * e) / E + 0.3) * ROUTER_NORM, Math.sin((2 * Math.PI * e) / E + 0.3) * ROUTER_NORM]));
  const make = <G2 extends Gate>(f: () => G2): G2 => {
    const g = f();
    g.loadStateDict({ weight: w }, { strict: false });
    return g;
  };
  let tau = 1;
  const panels: Panel[] = [
    { key: 'softmax', title: 'softmax(z)', gate: make(() => new SoftmaxGate(2, E)) },
    { key: 'temperature', title: 'temperature: softmax(z / tau)', gate: make(() => new TemperatureGate(2, E, { tau, threshold: THRESHOLD })) },
    { key: 'activation', title: 'activation: softmax((tanh(z) + b) / tau)', gate: make(() => new ActivationGate(2, E, { activation: 'tanh', tau, threshold: THRESHOLD })) },
  ].map((p) => {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = p.title;
    const canvas = Object.assign(document.createElement('canvas'), { width: 320, height: 320, className: 'plot', id: `moe-${p.key}` });
    const stats = Object.assign(document.createElement('div'), { className: 'stats' });
    fig.append(cap, canvas, stats);
    row.append(fig);
    return { ...p, key: p.key as Panel['key'], canvas, stats };
  });
  for (const p of panels) p.gate.eval();
  w.dispose();

  // The grid of inputs, row-major from (-R, -R).
  const axis = T.linspace(-R, R, G);
  const x = T.tidy(() => T.stack([axis.reshape([1, G]).expand([G, G]), axis.reshape([G, 1]).expand([G, G])], -1).reshape([G * G, 2]));
  axis.dispose();

  const tauLabel = document.createElement('span');
  tauLabel.className = 'stats';
  const render = latest(async () => {
    for (const p of panels) if (p.gate instanceof TemperatureGate || p.gate instanceof ActivationGate) p.gate.tau = tau;
    const t0 = performance.now();
    // All three gates, then one read back: a GPU round trip per frame, not one per gate.
    const all = T.noGrad(() =>
      T.tidy(() => {
        const ws = panels.map((p) => {
          const out = p.gate.route(x);
          return out.weights;
        });
        return T.stack(ws);
      }),
    );
    let data: Float32Array;
    try {
      data = Float32Array.from(await all.data());
    } finally {
      all.dispose();
    }
    const stats: Record<string, { active: number; load: number[] }> = {};
    panels.forEach((p, i) => {
      const w = data.subarray(i * G * G * E, (i + 1) * G * G * E);
      paint(p.canvas, w);
      const s = routingStats(w);
      stats[p.key] = s;
      p.stats.textContent = `mean active experts ${s.active.toFixed(2)}; tokens per expert (argmax) ${s.load.map((l) => `${Math.round(l * 100)}%`).join(' ')}`;
    });
    document.body.dataset.frameMs = (performance.now() - t0).toFixed(1);
    tauLabel.textContent = `tau = ${tau.toPrecision(3)}`;
    document.body.dataset.tau = String(tau);
    document.body.dataset.routing = JSON.stringify(stats);
  }, (e) => showError(main, e));

  const tauSlider = slider(controls, 'tau', 'log10 tau', { min: -1.3, max: 0.6, step: 0.01, value: 0 }, (v) => {
    tau = 10 ** v;
    void render();
  });
  controls.append(tauLabel);
  // ?steps=N shortens the annealing (the browser tests use a few steps).
  const steps = Number(new URLSearchParams(location.search).get('steps')) || STEPS;
  const schedule = temperatureSchedule({ kind: 'exponential', tauMax: TAU_MAX, tauMin: TAU_MIN, steps });
  let annealing = false;
  const anneal = button(controls, 'anneal', 'Anneal tau', async () => {
    annealing = true;
    document.body.dataset.annealing = 'true';
    for (let step = 0; step <= steps && annealing; step++) {
      tau = schedule(step);
      tauSlider.value = String(Math.log10(tau));
      await render();
    }
    annealing = false;
    document.body.dataset.annealing = 'false';
  });
  button(controls, 'stop', 'Stop', () => {
    annealing = false;
  });
  await render();
  if (document.body.dataset.error) throw new Error(document.body.dataset.error);
  // Live from the start: a reader sees the temperature anneal without touching anything.
  if (!new URLSearchParams(location.search).has('still')) anneal.click();
}

void startPage('moe', 'MoE routing', run);
