import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { Adam, mse } from '@nonlinear/nn';
import { buildKAN, type KANModel } from '@nonlinear/kan';
import { button, slider } from '../app/controls.js';
import { showError, startPage, type PageContext } from '../app/frame.js';
import { LinePlot, PALETTE } from '../app/plot.js';

/** pykan's toy target on [-1, 1]^2. */
const TARGET = 'exp(sin(pi x) + y^2)';
function target(x: Tensor): Tensor {
  return T.tidy(() => {
    const a = x.narrow(1, 0, 1).mul(Math.PI).sin();
    const b = x.narrow(1, 1, 1).square();
    return a.add(b).exp();
  });
}
const N_TRAIN = 256;
const HEAT = 40;
const SLICE = 101;
const LOG_EVERY = 10;
// No LayerNorm in either model: over 2 input features it keeps only the sign of x - y, which
// cannot fit a 2-D function (the image-classification default does not fit regression in 2-D).
const MLP_OPTIONS = { activateOutput: false, norm: 'none' } as const;
const KAN_OPTIONS = { norm: 'none' } as const;

/**
 * The MLP [2, H, 1] whose parameter count is nearest to `params`: a one-hidden-layer MLP's count
 * is affine in H, so two builds give the line to solve.
 */
function matchedMLP(params: number): { model: KANModel; hidden: number } {
  const count = (h: number): number => {
    const m = buildKAN([2, h, 1], 'mlp', MLP_OPTIONS);
    const n = m.numParameters();
    m.dispose();
    return n;
  };
  const p1 = count(1), p2 = count(2);
  const hidden = Math.max(1, Math.round((params - p1) / (p2 - p1) + 1));
  return { model: buildKAN([2, hidden, 1], 'mlp', MLP_OPTIONS), hidden };
}

/** Model state on the page: the model, its optimiser, its loss history. */
interface Run {
  name: string;
  model: KANModel;
  opt: Adam;
  steps: number[];
  losses: number[];
}

function heatmap(canvas: HTMLCanvasElement, values: Float32Array, lo: number, hi: number): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(HEAT, HEAT);
  for (let i = 0; i < HEAT * HEAT; i++) {
    const t = Math.min(1, Math.max(0, (values[i]! - lo) / (hi - lo || 1)));
    // A blue-to-yellow ramp (viridis' ends), readable in print.
    const r = 68 + t * (253 - 68), g = 1 + t * (231 - 1), b = 84 + t * (37 - 84);
    const row = HEAT - 1 - Math.floor(i / HEAT);
    img.data.set([r, g, b, 255], (row * HEAT + (i % HEAT)) * 4);
  }
  const off = new OffscreenCanvas(HEAT, HEAT);
  off.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

async function run({ main }: PageContext): Promise<void> {
  const params = new URLSearchParams(location.search);
  let steps = Number(params.get('steps')) || 300;
  let lr = Number(params.get('lr')) || 0.01;
  const hiddenKan = 4;

  T.manualSeed(0);
  const xTrain = T.rand([N_TRAIN, 2]).mul(2).sub(1);
  const yTrain = target(xTrain);
  // The heat-map grid and the two slices (y = 0 and x = 0) the learned functions are drawn on.
  const axis = T.linspace(-1, 1, HEAT);
  const xGrid = T.tidy(() => T.stack([axis.reshape([1, HEAT]).expand([HEAT, HEAT]), axis.reshape([HEAT, 1]).expand([HEAT, HEAT])], -1).reshape([HEAT * HEAT, 2]));
  axis.dispose();
  const s = T.linspace(-1, 1, SLICE).reshape([SLICE, 1]);
  const zeros = T.zeros([SLICE, 1]);
  const xSlices = T.cat([T.cat([s, zeros], 1), T.cat([zeros, s], 1)], 0);
  T.dispose([s, zeros]);
  const sliceAxis = Array.from({ length: SLICE }, (_, i) => -1 + (2 * i) / (SLICE - 1));

  const kan = buildKAN([2, hiddenKan, 1], 'afkan', KAN_OPTIONS);
  const { model: mlp, hidden: hiddenMlp } = matchedMLP(kan.numParameters());
  const runs: Run[] = [
    { name: `AF-KAN [2, ${hiddenKan}, 1]`, model: kan, opt: new Adam(kan.parameters(), { lr }), steps: [], losses: [] },
    { name: `MLP [2, ${hiddenMlp}, 1]`, model: mlp, opt: new Adam(mlp.parameters(), { lr }), steps: [], losses: [] },
  ];
  let step = 0;

  main.append(
    Object.assign(document.createElement('p'), {
      textContent: `Regression of ${TARGET} from ${N_TRAIN} random points on [-1, 1]^2: an AF-KAN (buildKAN(..., 'afkan'): SiLU, quad1, global attention) and an MLP (buildKAN(..., 'mlp'): SiLU) of equal parameter count, neither with LayerNorm (over two inputs it keeps only their sign), full-batch Adam on MSE. The 'mlp' variant follows the AF-KAN reference harness, whose maps have no bias: without the LayerNorm it cannot shift its output (f(0, 0) = 0), part of the gap you see.`,
    }),
  );
  const info = Object.assign(document.createElement('p'), { className: 'stats', id: 'kan-info' });
  info.textContent = runs.map((r) => `${r.name}: ${r.model.numParameters()} parameters`).join('; ');
  const controls = document.createElement('section');
  controls.className = 'controls';
  const plots = document.createElement('section');
  plots.className = 'plots';
  const heat = document.createElement('section');
  heat.className = 'plots';
  main.append(info, controls, plots, heat);
  const lossPlot = new LinePlot(plots, 460, 280);
  const slicePlots = [new LinePlot(plots, 340, 280), new LinePlot(plots, 340, 280)];
  const heatCanvases = ['target', 'AF-KAN', 'MLP'].map((title) => {
    const fig = document.createElement('figure');
    const cap = document.createElement('figcaption');
    cap.textContent = title;
    const c = Object.assign(document.createElement('canvas'), { width: 200, height: 200, className: 'plot' });
    fig.append(cap, c);
    heat.append(fig);
    return c;
  });

  const yGrid = target(xGrid);
  const yGridData = Float32Array.from(await yGrid.data());
  const ySlices = target(xSlices);
  const ySliceData = Float32Array.from(await ySlices.data());
  T.dispose([yGrid, ySlices]);
  const lo = Math.min(...yGridData), hi = Math.max(...yGridData);
  heatmap(heatCanvases[0]!, yGridData, lo, hi);

  const evaluate = async (): Promise<void> => {
    const preds = T.noGrad(() => runs.map((r) => ({ grid: r.model.forward(xGrid), slices: r.model.forward(xSlices) })));
    const data: { grid: Float32Array; slices: Float32Array }[] = [];
    for (const p of preds) data.push({ grid: Float32Array.from(await p.grid.data()), slices: Float32Array.from(await p.slices.data()) });
    T.dispose(preds.flatMap((p) => [p.grid, p.slices]));
    data.forEach((d, i) => heatmap(heatCanvases[i + 1]!, d.grid, lo, hi));
    ['y = 0', 'x = 0'].forEach((where, k) => {
      const part = (a: Float32Array): Float32Array => a.subarray(k * SLICE, (k + 1) * SLICE);
      slicePlots[k]!.draw(
        [{ label: 'target', x: sliceAxis, y: part(ySliceData), color: '#222', dashed: true }, ...data.map((d, i) => ({ label: i === 0 ? 'AF-KAN' : 'MLP', x: sliceAxis, y: part(d.slices), color: PALETTE[i]! }))],
        { title: `learned function along ${where}` },
      );
    });
  };

  /** One Adam step of each model; returns the losses when asked to read them. */
  const trainStep = async (read: boolean): Promise<number[] | null> => {
    const losses = runs.map((r) => {
      const loss = mse(r.model.forward(xTrain), yTrain);
      loss.backward();
      r.opt.step();
      r.opt.zeroGrad();
      return loss;
    });
    let values: number[] | null = null;
    if (read) {
      values = [];
      for (const l of losses) values.push((await l.data())[0]!);
    }
    T.dispose(losses);
    return values;
  };

  const record = (values: number[]): void => {
    runs.forEach((r, i) => {
      r.steps.push(step);
      r.losses.push(values[i]!);
    });
    lossPlot.draw(
      runs.map((r, i) => ({ label: r.name, x: r.steps, y: r.losses, color: PALETTE[i]! })),
      { title: 'training MSE', logY: true },
    );
    document.body.dataset.losses = JSON.stringify(Object.fromEntries(runs.map((r) => [r.model === kan ? 'kan' : 'mlp', r.losses])));
    document.body.dataset.step = String(step);
  };

  // The first kernels: the initial losses, read back, before the page reports ready.
  const initial = T.noGrad(() => runs.map((r) => mse(r.model.forward(xTrain), yTrain)));
  const initialValues: number[] = [];
  for (const l of initial) initialValues.push((await l.data())[0]!);
  T.dispose(initial);
  record(initialValues);
  await evaluate();

  let training = false;
  slider(controls, 'steps', 'steps', { min: 20, max: 2000, step: 10, value: steps }, (v) => (steps = v));
  slider(controls, 'lr', 'log10 lr', { min: -3, max: -1, step: 0.1, value: Math.log10(lr) }, (v) => {
    lr = 10 ** v;
    for (const r of runs) r.opt.paramGroups.forEach((g) => (g.lr = lr));
  });
  button(controls, 'train', 'Train', async () => {
    training = true;
    document.body.dataset.training = 'true';
    const t0 = performance.now();
    const start = step;
    try {
      for (let i = 0; i < steps && training; i++) {
        step++;
        const read = step % LOG_EVERY === 0 || i === steps - 1;
        const values = await trainStep(read);
        if (values) {
          record(values);
          await evaluate();
        }
      }
    } catch (e) {
      showError(main, e);
    } finally {
      const ms = (performance.now() - t0) / Math.max(1, step - start);
      document.body.dataset.stepMs = ms.toFixed(1);
      info.textContent = `${runs.map((r) => `${r.name}: ${r.model.numParameters()} parameters, loss ${r.losses.at(-1)!.toPrecision(3)}`).join('; ')}; ${ms.toFixed(1)} ms per step (both models)`;
      training = false;
      document.body.dataset.training = 'false';
    }
  });
  button(controls, 'stop', 'Stop', () => {
    training = false;
  });
}

void startPage('kan', 'KAN vs MLP', run).catch((e) => showError(document.body, e));
