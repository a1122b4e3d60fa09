import * as T from '@nonlinear/tensor';
import type { Tensor } from '@nonlinear/tensor';
import { GELU, PolyNorm, PolyReLU, swigluGate } from '@nonlinear/activations';
import { latest, slider } from '../app/controls.js';
import { showError, startPage, type PageContext } from '../app/frame.js';
import { LinePlot, PALETTE } from '../app/plot.js';

/** Points on [-3, 3] each curve is sampled at. */
const N = 241;
const X_RANGE: [number, number] = [-3, 3];

/** The sliders' state: PolyCom order and coefficients [a_0..a_r], GELU form, SwiGLU's weights. */
interface Settings {
  order: number;
  coefficients: number[];
  approximate: 'none' | 'tanh';
  gate: number;
  value: number;
}

/** The authors' initialisation: a_0 = 0, a_1..a_r = 1/r. */
function defaultCoefficients(order: number): number[] {
  return [0, ...Array.from({ length: order }, () => +(1 / order).toFixed(3))];
}

/**
 * f(x) and df/dx on the page's backend: x is a leaf that requires grad, the derivative is
 * autograd's d(sum f)/dx, which is f' for elementwise f. PolyNorm is not elementwise (each power
 * is RMS-normalised over the row, here the N plotted points), so its curve and "derivative"
 * (the gradient of the row's sum) depend on the whole plotted range: the page says so.
 */
async function curve(x: Tensor, f: (x: Tensor) => Tensor): Promise<{ y: Float32Array; dy: Float32Array }> {
  const y = T.noGrad(() => f(x));
  const [dy] = T.grad((v) => f(v).sum())(x);
  try {
    return { y: Float32Array.from(await y.data()), dy: Float32Array.from(await dy!.data()) };
  } finally {
    T.dispose([y, dy!]);
  }
}

async function run({ main }: PageContext): Promise<void> {
  const s: Settings = { order: 3, coefficients: defaultCoefficients(3), approximate: 'none', gate: 1, value: 1 };
  main.append(
    Object.assign(document.createElement('p'), {
      textContent:
        'Each curve and its derivative is computed on the active backend: the forward pass by the packages\' kernels (PolyReLU and PolyNorm fused into one), the derivative by autograd. Move a slider to recompute.',
    }),
  );
  const controls = document.createElement('section');
  controls.className = 'controls';
  const coefBox = document.createElement('div');
  coefBox.className = 'coefficients';
  const grid = document.createElement('section');
  grid.className = 'plots';
  main.append(controls, grid);
  const plots = {
    polyrelu: new LinePlot(grid),
    polynorm: new LinePlot(grid),
    gelu: new LinePlot(grid),
    swiglu: new LinePlot(grid),
  };
  const note = document.createElement('p');
  note.className = 'note';
  note.textContent = `PolyNorm normalises each power x^p by its RMS over the row, here the ${N} plotted points on [${X_RANGE.join(', ')}]: its curve depends on the range, and its dashed line is the gradient of the row's sum.`;
  main.append(note);

  const x = T.linspace(X_RANGE[0], X_RANGE[1], N).requiresGrad_();
  const xs = Float32Array.from(await x.data());
  let draws = 0;

  const redraw = latest(async () => {
    const polyrelu = new PolyReLU({ order: s.order, coefficients: s.coefficients });
    const polynorm = new PolyNorm({ order: s.order, coefficients: s.coefficients });
    const gelu = new GELU({ approximate: s.approximate });
    const wg = T.tensor([s.gate]);
    const wv = T.tensor([s.value]);
    try {
      const coefText = s.coefficients.map((c, i) => `a${i}=${c}`).join(' ');
      const results = {
        polyrelu: await curve(x, (v) => polyrelu.forward(v)),
        polynorm: await curve(x, (v) => polynorm.forward(v)),
        gelu: await curve(x, (v) => gelu.forward(v)),
        swiglu: await curve(x, (v) => swigluGate(v.mul(wg), v.mul(wv))),
      };
      const titles = {
        polyrelu: `PolyReLU, r=${s.order}: ${coefText}`,
        polynorm: `PolyNorm, r=${s.order}: ${coefText}`,
        gelu: `GELU (${s.approximate === 'none' ? 'erf' : 'tanh'})`,
        swiglu: `SwiGLU: silu(${s.gate} x) * (${s.value} x)`,
      };
      for (const [k, r] of Object.entries(results) as [keyof typeof results, { y: Float32Array; dy: Float32Array }][]) {
        plots[k].draw(
          [
            { label: 'f(x)', x: xs, y: r.y, color: PALETTE[0]! },
            { label: k === 'polynorm' ? 'd(sum f)/dx' : "f'(x) (autograd)", x: xs, y: r.dy, color: PALETTE[1]!, dashed: true },
          ],
          { title: titles[k] },
        );
      }
      draws++;
      document.body.dataset.draws = String(draws);
      // Curves read back for the browser tests: the values at a few abscissae.
      document.body.dataset.curves = JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { y: Array.from(r.y), dy: Array.from(r.dy) }])));
    } finally {
      polyrelu.dispose();
      polynorm.dispose();
      T.dispose([wg, wv]);
    }
  }, (e) => showError(main, e));

  const coefficientSliders = (): void => {
    coefBox.replaceChildren();
    s.coefficients.forEach((c, i) =>
      slider(coefBox, `coef-${i}`, `a${i}${i === 0 ? ' (bias)' : ` (x^${i})`}`, { min: -1, max: 1, step: 0.01, value: c }, (v) => {
        s.coefficients[i] = v;
        void redraw();
      }),
    );
  };
  slider(controls, 'order', 'order r', { min: 1, max: 5, step: 1, value: s.order }, (v) => {
    s.order = v;
    s.coefficients = defaultCoefficients(v);
    coefficientSliders();
    void redraw();
  });
  controls.append(coefBox);
  coefficientSliders();
  const approx = document.createElement('label');
  approx.className = 'slider';
  approx.innerHTML = '<span>GELU form</span><select id="gelu-approximate"><option value="none">erf (exact)</option><option value="tanh">tanh</option></select>';
  approx.querySelector('select')!.addEventListener('change', (e) => {
    s.approximate = (e.target as HTMLSelectElement).value as Settings['approximate'];
    void redraw();
  });
  controls.append(approx);
  slider(controls, 'swiglu-gate', 'SwiGLU gate weight', { min: -2, max: 2, step: 0.05, value: s.gate }, (v) => {
    s.gate = v;
    void redraw();
  });
  slider(controls, 'swiglu-value', 'SwiGLU value weight', { min: -2, max: 2, step: 0.05, value: s.value }, (v) => {
    s.value = v;
    void redraw();
  });
  await redraw();
  if (document.body.dataset.error) throw new Error(document.body.dataset.error);
}

void startPage('activations', 'Activation explorer', run);
