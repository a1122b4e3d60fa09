/**
 * The sobolev suite: approximation rates of PolyCom's Theorem 3 (Zhuo et al., ICLR 2025). For f
 * in the unit ball of W^{n,inf}([0,1]^d) a PolyReLU network of size O(eps^{-d/n}) reaches sup-norm
 * error eps, i.e. error ~ P^{-n/d}, without the log factor ReLU networks carry (Yarotsky 2017).
 *
 * Two parts, both driven through @nonlinear/theory:
 * - exact: the constructive weights (PolyReLU networks equal to ReLU, ReLU^2, a cubic and x y),
 *   their error against the formula on a grid, in float64 on cpu and float32 on each backend;
 * - rates: one unit per (target, family, size, seed) cell: a model trained by Adam then L-BFGS
 *   on a target of known smoothness, its sup / L2 / W^{1,inf} / W^{1,2} errors; the summary fits
 *   error ~ C P^{-alpha} per (target, family) with a bootstrap interval, next to n/d, and applies
 *   a stated rule to "PolyReLU's rate has no log-factor penalty versus ReLU".
 *
 * Each cell is one unit, seeded from (target, family, size, seed), so the frame's results file is
 * the store: a killed run resumes at the first unfinished cell, and any cell can be rerun alone.
 */
import {
  exactnessError, fitSobolevRates, kanFamily, logPenaltyVerdicts, makeTarget, mlpFamily, polynomialConstruction, productConstruction, relu2Construction,
  reluConstruction, runSobolevCell, type ErrorMetric, type ExactConstruction, type LogPenaltyVerdict, type ModelFamily, type SobolevCellResult,
  type SobolevRate, type TargetSpec,
} from '@nonlinear/theory';
import { logLogScatter, type ScatterPoint } from '../figures.js';
import { fmt, mean, std } from '../stats.js';
import { defineSuite, type Figure, type JsonObject, type OptionsSchema, type OptionValues, type Table, type Unit, type UnitRecord } from '../suite.js';

/** The model families the suite can sweep. */
export const SOBOLEV_FAMILIES = ['relu', 'relu2', 'gelu', 'silu', 'polyrelu', 'polynorm', 'afkan'] as const;
type FamilyName = (typeof SOBOLEV_FAMILIES)[number];

/** The target kinds: n bounded derivatives, analytic (sines and exponentials), a polynomial. */
export const SOBOLEV_TARGETS = ['limited', 'smooth', 'polynomial'] as const;
type TargetKind = (typeof SOBOLEV_TARGETS)[number];

const CONSTRUCTIONS = ['relu', 'relu2', 'cubic', 'product'] as const;
/** Errors up to this many eps of max(|f|, 1) count as float precision in the report. */
export const EXACT_EPS_BOUND = 128;
const PARTS = ['exact', 'rates'] as const;
type ConstructionName = (typeof CONSTRUCTIONS)[number];

const OPTIONS = {
  parts: { type: 'enum[]', values: PARTS, default: [...PARTS], description: 'exact: the constructive PolyReLU weights; rates: the approximation-rate sweep' },
  dims: { type: 'int[]' as const, min: 1, max: 6, default: [1, 2, 3], quick: [1, 2], description: 'input dimensions d' },
  targets: { type: 'enum[]', values: SOBOLEV_TARGETS, default: [...SOBOLEV_TARGETS], quick: ['limited' as TargetKind], description: 'target kinds: limited (exactly n bounded derivatives, prod |x_i - c_i|^{n+1/2}), smooth (prod e^{b x} sin(w x + p)), polynomial (degree 3)' },
  smoothness: { type: 'int[]' as const, min: 1, max: 6, default: [1, 2, 3], quick: [2], description: 'n of the limited-smoothness targets' },
  families: { type: 'enum[]', values: SOBOLEV_FAMILIES, default: [...SOBOLEV_FAMILIES], description: 'model families: MLPs with each activation, and AF-KAN' },
  sizes: { type: 'int[]' as const, min: 1, max: 4096, default: [4, 8, 16, 32, 64], quick: [4, 8, 16, 32], description: 'hidden widths (the size ladder)' },
  depth: { type: 'int', min: 1, max: 16, default: 2, quick: 1, description: 'hidden layers of the MLPs (AF-KAN: one hidden layer)' },
  sweepSeeds: { type: 'int', min: 1, max: 100, default: 5, quick: 2, description: "seeds per (target, family, size) (the frame's --seeds is not used)" },
  adamSteps: { type: 'int', min: 0, max: 1_000_000, default: 3000, quick: 300, description: 'full-batch Adam steps (cosine decay to lr/100)' },
  lr: { type: 'number', min: 0, max: 1, default: 1e-2, description: 'Adam peak learning rate' },
  lbfgsIterations: { type: 'int', min: 0, max: 1_000_000, default: 2000, quick: 100, description: 'L-BFGS iterations after Adam (strong Wolfe line search)' },
  trainPoints: { type: 'int', min: 0, max: 1_000_000, default: 0, description: 'training points (Halton); 0 = max(256, 4 P), at most 8192' },
  gridBudget: { type: 'int', min: 4, max: 10_000_000, default: 16384, quick: 1024, description: 'grid points of the sup-norm search' },
  qmcPoints: { type: 'int', min: 1, max: 10_000_000, default: 4096, quick: 512, description: 'Halton points per replicate of the L2 / W^{1,2} integrals' },
  replicates: { type: 'int', min: 1, max: 1000, default: 8, quick: 4, description: 'randomly shifted Halton replicates (their spread is the standard error)' },
  backend: { type: 'enum', values: ['cpu', 'webgpu'] as const, default: 'cpu' as 'cpu' | 'webgpu', description: 'backend of the sweep (cpu runs float64; webgpu float32)' },
  bootstrap: { type: 'int', min: 0, max: 100_000, default: 2000, quick: 500, description: 'bootstrap resamples of the rate intervals' },
} satisfies OptionsSchema;

type SobolevOptions = OptionValues<typeof OPTIONS>;

interface ExactParams extends JsonObject {
  part: 'exact';
  construction: ConstructionName;
  backend: 'cpu' | 'webgpu';
  dtype: 'float32' | 'float64';
}

interface CellParams extends JsonObject {
  part: 'rates';
  target: TargetSpec & JsonObject;
  family: FamilyName;
  size: number;
  seed: number;
}

/** The target spec of a kind at dimension d (and smoothness n for the limited kind). */
function specOf(kind: TargetKind, dim: number, n: number): TargetSpec {
  if (kind === 'limited') return { family: 'limited', dim, n };
  if (kind === 'smooth') return { family: 'smooth', dim };
  return { family: 'polynomial', dim, degree: 3 };
}

/** The model family of a name; AF-KAN without its LayerNorm (over 1 or 2 input features it erases the input). */
export function familyOf(name: FamilyName, depth: number): ModelFamily {
  if (name === 'afkan') return kanFamily('afkan', { options: { norm: 'none' }, name: 'afkan' });
  return mlpFamily(name, { depth, name });
}

function constructionOf(name: ConstructionName, device: Parameters<typeof reluConstruction>[0]): ExactConstruction {
  switch (name) {
    case 'relu':
      return reluConstruction(device);
    case 'relu2':
      return relu2Construction(device);
    case 'cubic':
      return polynomialConstruction([0.5, -2, 0.75, 1.5], device);
    case 'product':
      return productConstruction(device);
  }
}

function targetKey(spec: TargetSpec): string {
  return makeTarget(spec).name;
}

export const sobolevSuite = defineSuite({
  name: 'sobolev',
  description: "PolyCom Theorem 3: approximation rates (error vs parameters) of ReLU, ReLU², GELU, SiLU, PolyReLU, PolyNorm MLPs and AF-KAN on targets of known smoothness; PolyReLU's exact constructions",
  paper: { title: 'Zhuo et al., Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models (ICLR 2025), Theorems 1 and 3', url: 'https://arxiv.org/abs/2411.03884' },
  options: OPTIONS,

  units(o, common) {
    const units: Unit[] = [];
    if (o.parts.includes('exact')) {
      const runs: { backend: 'cpu' | 'webgpu'; dtype: 'float32' | 'float64' }[] = [{ backend: 'cpu', dtype: 'float64' }, ...common.backends.map((b) => ({ backend: b, dtype: 'float32' as const }))];
      for (const r of runs) {
        for (const construction of CONSTRUCTIONS) {
          const params: ExactParams = { part: 'exact', construction, ...r };
          units.push({ id: `exact/${construction}/${r.backend}-${r.dtype}`, params });
        }
      }
    }
    if (o.parts.includes('rates')) {
      const specs: TargetSpec[] = [];
      for (const dim of o.dims) {
        for (const kind of o.targets) {
          if (kind === 'limited') for (const n of o.smoothness) specs.push(specOf(kind, dim, n));
          else specs.push(specOf(kind, dim, 0));
        }
      }
      for (const spec of specs) {
        const tk = targetKey(spec);
        for (let seed = 0; seed < o.sweepSeeds; seed++) {
          for (const family of o.families) {
            for (const size of o.sizes) {
              const params: CellParams = { part: 'rates', target: spec as TargetSpec & JsonObject, family, size, seed };
              units.push({ id: `rates/${tk}/${family}/size-${size}/seed-${seed}`, params });
            }
          }
        }
      }
    }
    return units;
  },

  async run(unit, ctx) {
    const p = unit.params as ExactParams | CellParams;
    if (p.part === 'exact') {
      const device = await ctx.backend(p.backend);
      const c = constructionOf(p.construction, { device, dtype: p.dtype });
      try {
        const r = await exactnessError(c, { device, dtype: p.dtype, low: -2, high: 2, points: 4096 });
        return { part: 'exact', construction: p.construction, formula: c.formula, backend: p.backend, dtype: p.dtype, parameters: c.model.numParameters(), ...r };
      } finally {
        c.model.dispose();
      }
    }
    const o = ctx.options;
    const device = await ctx.backend(o.backend);
    const dtype = o.backend === 'cpu' ? 'float64' : 'float32';
    const target = makeTarget(p.target);
    const family = familyOf(p.family, o.depth);
    const r = await runSobolevCell(
      { key: unit.id, target, family, size: p.size, seed: p.seed },
      {
        device, dtype,
        fit: { adamSteps: o.adamSteps, lr: o.lr, lbfgsIterations: o.lbfgsIterations, ...(o.trainPoints > 0 ? { points: o.trainPoints } : {}) },
        errors: { gridBudget: o.gridBudget, qmcPoints: o.qmcPoints, replicates: o.replicates },
      },
    );
    return { part: 'rates', backend: o.backend, dtype, formula: target.formula, normOrder: target.norm.order, normMethod: target.norm.method, ...(r as unknown as JsonObject) };
  },

  brief(r) {
    if (r.part === 'exact') return `max |err| ${(r.maxAbs as number).toExponential(2)} (${fmt(r.epsUnits as number)} eps)`;
    const e = r.errors as JsonObject;
    return `P ${r.parameters as number}, sup ${(e.sup as number).toExponential(2)}, L2 ${(e.l2 as number).toExponential(2)}`;
  },

  summarize(records, o) {
    const exact = summarizeExact(records.filter((r) => r.data.part === 'exact'));
    const rates = summarizeRates(records.filter((r) => r.data.part === 'rates'), o);
    return {
      rows: [...exact.rows, ...rates.rows],
      tables: [...exact.tables, ...rates.tables],
      figures: rates.figures,
      notes: [exact.notes, rates.notes].filter(Boolean).join('\n\n'),
    };
  },
});

type Rows = Record<string, string | number | boolean | null>[];

/** The exact part of the summary: a table of the constructions' errors and a note. */
export function summarizeExact(records: readonly UnitRecord[]): { rows: Rows; tables: Table[]; notes: string } {
  if (!records.length) return { rows: [], tables: [], notes: '' };
  const rows: Rows = records.map((r) => {
    const d = r.data;
    return {
      part: 'exact', construction: d.construction as string, backend: d.backend as string, dtype: d.dtype as string, parameters: d.parameters as number,
      max_abs_error: d.maxAbs as number, scale: d.scale as number, eps_units: d.epsUnits as number, points: d.points as number,
    };
  });
  const table: Table = {
    title: 'Exact constructions: PolyReLU networks with explicit weights',
    columns: ['construction', 'function', 'backend', 'dtype', 'parameters', 'max |network − f|', 'in eps of max(|f|, 1)', 'grid points'],
    rows: records.map((r) => {
      const d = r.data;
      return [d.construction as string, d.formula as string, d.backend as string, d.dtype as string, d.parameters as number, (d.maxAbs as number).toExponential(2), fmt(d.epsUnits as number), d.points as number];
    }),
    caption: 'Uniform grid of [-2, 2]^d; the reference is the formula in float64 on the host, at the inputs rounded to the dtype. eps = 2^-52 (float64) or 2^-23 (float32).',
  };
  const worst = rows.reduce((a, r) => ((r.eps_units as number) > (a.eps_units as number) ? r : a), rows[0]!);
  const over = rows.filter((r) => (r.eps_units as number) > EXACT_EPS_BOUND);
  const notes = 'Exact constructions (Theorem 1, and the building blocks of Theorem 3): ReLU and ReLU² are PolyReLU with coefficients (0, 1, 0, 0) and (0, 0, 1, 0); ' +
    'a cubic on all of R is a 1 → 6 → 1 PolyReLU network (scales 1, 2, 3 and their negatives, output weights from a Vandermonde solve); ' +
    'x y = ((x + y)² − (x − y)²)/4 with z² = relu(z)² + relu(−z)² is a 2 → 4 → 1 network. ' +
    `Rule: a construction is exact to float precision when its error is at most ${EXACT_EPS_BOUND} eps of max(|f|, 1) on the grid. ` +
    `The largest error is ${fmt(worst.eps_units as number)} eps (${worst.construction as string}, ${worst.backend as string} ${worst.dtype as string}); ` +
    (over.length
      ? `${over.length} of ${rows.length} runs exceed the bound: ${over.map((r) => `${r.construction as string} on ${r.backend as string} ${r.dtype as string}`).join(', ')}.`
      : `all ${rows.length} runs are within it (the cubic's output weights cancel terms up to 27 x³, which costs tens of eps).`);
  return { rows, tables: [table], notes };
}

const asResult = (r: UnitRecord): SobolevCellResult => r.data as unknown as SobolevCellResult;

function ciText(ci: [number, number]): string {
  return Number.isFinite(ci[0]) ? `[${fmt(ci[0])}, ${fmt(ci[1])}]` : '';
}

/** The plain statement on the log-factor claim, from the verdicts (never hard-coded). */
export function logPenaltyStatement(verdicts: readonly LogPenaltyVerdict[]): string {
  if (!verdicts.length) return 'The claim "PolyReLU\'s rate has no log-factor penalty versus ReLU" was not tested: this run has no target of finite smoothness with both PolyReLU and ReLU over at least two sizes.';
  const count = (o: LogPenaltyVerdict['outcome']): LogPenaltyVerdict[] => verdicts.filter((v) => v.outcome === o);
  const sup = count('supported');
  const con = count('contradicted');
  const inc = count('inconclusive');
  const resolving = verdicts.filter((v) => v.resolvesLogFactor).length;
  const overall = con.length
    ? '**do not support** it'
    : sup.length === verdicts.length
      ? '**support** it'
      : '**neither support nor contradict** it';
  return `Rule: on each target with finite smoothness n, take Δ = α(PolyReLU) − α(ReLU), the difference of the fitted sup-norm exponents, with a ${'95%'} bootstrap interval ` +
    '(seeds resampled within each size, independently per family). The target supports the claim when the whole interval is ≥ 0 (PolyReLU\'s error falls at least as fast), ' +
    'contradicts it when the whole interval is < 0, and is inconclusive otherwise. Overall: supported only if every target supports it; contradicted if any contradicts it. ' +
    `Here ${sup.length} of ${verdicts.length} target(s) support it, ${con.length} contradict it and ${inc.length} are inconclusive, so these measurements ${overall}. ` +
    `A log factor would lower ReLU's exponent by about (n/d)/ln P at these sizes (${verdicts.map((v) => `${v.target}: ${fmt(v.logFactorGap)}`).join(', ')}); ` +
    `${resolving} of ${verdicts.length} interval(s) are narrow enough (half-width below that gap) to resolve it.`;
}

/** Exported for tests: the rate part's tables, figures and notes. */
export function summarizeRates(records: readonly UnitRecord[], o: Pick<SobolevOptions, 'bootstrap'>): { rows: Rows; tables: Table[]; figures: Figure[]; notes: string } {
  if (!records.length) return { rows: [], tables: [], figures: [], notes: '' };
  const results = records.map(asResult);
  const opts = { bootstrap: o.bootstrap, seed: 0 };
  const fitsBy = (metric: ErrorMetric): SobolevRate[] => fitSobolevRates(results, { ...opts, metric });
  const sup = fitsBy('sup');
  const l2 = fitsBy('l2');
  const w1 = fitsBy('w1inf');
  const find = (fits: SobolevRate[], f: SobolevRate): SobolevRate | undefined => fits.find((x) => x.target === f.target && x.family === f.family);
  const erank = (target: string, family: string): number => {
    const rs = results.filter((r) => r.target === target && r.family === family);
    const top = Math.max(...rs.map((r) => r.size));
    const vals = rs.filter((r) => r.size === top).flatMap((r) => (r.erank.length ? [mean(r.erank)] : []));
    return vals.length ? mean(vals) : NaN;
  };
  const rows: Rows = sup.map((f) => ({
    part: 'rates', target: f.target, dim: f.dim, smoothness: f.smoothness, theory: f.theory, family: f.family,
    alpha_sup: f.alpha, alpha_sup_lo: f.ci[0], alpha_sup_hi: f.ci[1], r2_sup: f.r2,
    alpha_l2: find(l2, f)?.alpha ?? null, alpha_l2_lo: find(l2, f)?.ci[0] ?? null, alpha_l2_hi: find(l2, f)?.ci[1] ?? null,
    alpha_w1inf: find(w1, f)?.alpha ?? null, sizes: f.sizes, runs: f.runs, dropped: f.dropped, erank_largest: erank(f.target, f.family),
  }));
  const exponents: Table = {
    title: 'Fitted approximation rates: error ~ C P^(−α)',
    columns: ['target', 'd', 'n', 'n/d (theory)', 'family', 'α sup [95% CI]', 'R² (sup)', 'α L2 [95% CI]', 'α W^{1,∞}', 'sizes × runs', 'dropped', 'erank (largest size)'],
    rows: sup.map((f) => [
      f.target, f.dim, f.smoothness ?? '∞', f.theory === null ? 'any (n = ∞)' : fmt(f.theory), f.family, `${fmt(f.alpha)} ${ciText(f.ci)}`, fmt(f.r2),
      find(l2, f) ? `${fmt(find(l2, f)!.alpha)} ${ciText(find(l2, f)!.ci)}` : '', fmt(find(w1, f)?.alpha ?? null), `${f.sizes} × ${f.runs}`, f.dropped, fmt(erank(f.target, f.family)),
    ]),
    caption: 'α: minus the least-squares slope of ln(mean error over seeds) on ln P (P = trainable parameters, PolyCom coefficients included), with a percentile bootstrap interval ' +
      '(seeds resampled within each size). Theorem 3 bounds the sup-norm rate of PolyReLU below by n/d; a single smooth-enough target can be approximated faster. ' +
      'erank: mean effective rank of the weight matrices with both sides ≥ 2, at the largest size.',
  };
  // Errors per size (mean ± std over seeds).
  const cellRows: (string | number)[][] = [];
  const keys = [...new Set(results.map((r) => `${r.target}\u0000${r.family}\u0000${r.size}`))];
  for (const k of keys) {
    const [target, family, size] = k.split('\u0000') as [string, string, string];
    const rs = results.filter((r) => r.target === target && r.family === family && r.size === Number(size));
    const ms = (f: (r: SobolevCellResult) => number | null): string => {
      const xs = rs.map(f).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      return xs.length ? `${mean(xs).toExponential(2)}${xs.length > 1 ? ` ± ${std(xs).toExponential(1)}` : ''}` : '';
    };
    cellRows.push([target, family, Number(size), rs[0]!.parameters, ms((r) => r.errors.sup), ms((r) => r.errors.l2), ms((r) => r.errors.w1inf), ms((r) => r.errors.w12),
      ms((r) => r.fit.finalLoss), `${rs.filter((r) => r.fit.finite).length}/${rs.length}`]);
  }
  const errors: Table = {
    title: 'Errors per size (mean ± std over seeds)',
    columns: ['target', 'family', 'width', 'P', 'sup', 'L2', 'W^{1,∞}', 'W^{1,2}', 'final train MSE', 'finite runs'],
    rows: cellRows,
    caption: 'sup: max over a grid and shifted Halton points, then a local compass search from the worst points; L2 and W^{1,2}: quasi-Monte Carlo over shifted Halton sets; ' +
      'input gradients by autograd. Targets are normalised to W^{n,∞} norm 1 (analytic norms).',
  };
  const verdicts = logPenaltyVerdicts(results, 'polyrelu', 'relu', opts);
  const verdictTable: Table = {
    title: 'PolyReLU against ReLU: difference of sup-norm exponents',
    columns: ['target', 'n/d', 'α PolyReLU − α ReLU', '95% CI', 'log-factor gap (n/d)/ln P', 'interval resolves it', 'outcome'],
    rows: verdicts.map((v) => [v.target, fmt(v.theory), fmt(v.difference), ciText(v.ci), fmt(v.logFactorGap), v.resolvesLogFactor ? 'yes' : 'no', v.outcome]),
    caption: 'Outcome by the rule stated in the notes. P in the gap is the geometric mean of the parameter counts of both families.',
  };
  const figures: Figure[] = [];
  for (const target of [...new Set(results.map((r) => r.target))]) {
    const rs = results.filter((r) => r.target === target && Number.isFinite(r.errors.sup) && r.errors.sup > 0);
    if (!rs.length) continue;
    const points: ScatterPoint[] = rs.map((r) => ({ x: r.parameters, y: r.errors.sup, series: r.family }));
    const { spec } = logLogScatter(points, { title: `Sup-norm error vs parameters: ${target}`, xTitle: 'parameters P', yTitle: 'sup |f − model|', seriesTitle: 'family' });
    const fits = sup.filter((f) => f.target === target);
    // The dashed lines are this package's fits (through the seed means), not the frame's per-point fits.
    const lines = fits.flatMap((f) => {
      const xs = rs.filter((r) => r.family === f.family).map((r) => r.parameters);
      return [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, y: Math.exp(f.intercept - f.alpha * Math.log(x)), series: f.family }));
    });
    const layers = spec.layer as { data: { values: unknown[] } }[];
    layers[1]!.data.values = lines;
    const theory = fits[0]?.theory ?? null;
    if (theory !== null) {
      // The theoretical slope -n/d, anchored at the smallest model's mean error over all families.
      const x0 = Math.min(...rs.map((r) => r.parameters));
      const x1 = Math.max(...rs.map((r) => r.parameters));
      const y0 = Math.exp(mean(rs.filter((r) => r.parameters === x0).map((r) => Math.log(r.errors.sup))));
      layers.push({
        data: { values: [{ x: x0, y: y0 }, { x: x1, y: y0 * (x1 / x0) ** -theory }] },
        mark: { type: 'line', color: 'black', strokeDash: [2, 2], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative', scale: { type: 'log' } }, y: { field: 'y', type: 'quantitative', scale: { type: 'log' } } },
      } as unknown as { data: { values: unknown[] } });
    }
    spec.title = {
      text: `Sup-norm error vs parameters: ${target}`,
      subtitle: [
        'dashed: fitted power law per family (through the means over seeds)' + (theory !== null ? `; black dotted: theoretical slope −n/d = −${fmt(theory)}` : '; n = ∞: no finite theoretical slope'),
        ...fits.map((f) => `${f.family}: α = ${fmt(f.alpha)} ${ciText(f.ci)}`),
      ],
    };
    figures.push({ name: `rates-${target}`, title: `Sup-norm error vs parameters (${target})`, spec });
  }
  const n = results.length;
  // Beside the exponents, the errors themselves: a steep slope can come from failed small models.
  const levels = verdicts.map((v) => {
    const widths = [...new Set(results.filter((r) => r.target === v.target).map((r) => r.size))].sort((a, b) => a - b);
    const meanSup = (family: string, w: number): number => mean(results.filter((r) => r.target === v.target && r.family === family && r.size === w).map((r) => r.errors.sup));
    const both = widths.filter((w) => Number.isFinite(meanSup('polyrelu', w)) && Number.isFinite(meanSup('relu', w)));
    return `${v.target}: ${both.filter((w) => meanSup('polyrelu', w) < meanSup('relu', w)).length} of ${both.length}`;
  });
  const notes = [
    `Rates: ${n} trained models. ${logPenaltyStatement(verdicts)}` +
      (levels.length ? ` For the levels rather than the slopes: PolyReLU's mean sup error is below ReLU's at the same width at ${levels.join('; ')} widths.` : ''),
    'Caveats: trained networks measure what the optimiser finds, not the best network of each size; the theorem is a worst-case bound over the unit ball, and a single ' +
      'separable target can be approximated faster than n/d (or, when training stalls, slower). The sweep trains with full-batch Adam then L-BFGS on Halton points; ' +
      'exponents over a narrow size ladder and few seeds have wide intervals.',
  ].join('\n\n');
  return { rows, tables: [exponents, verdictTable, errors], figures, notes };
}
