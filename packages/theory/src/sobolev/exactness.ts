import * as T from '@nonlinear/tensor';
import { ValueError, type Backend } from '@nonlinear/tensor';
import { Linear, Sequential, type UnaryModule } from '@nonlinear/nn';
import { PolyReLU, ReLU, ReLU2 } from '@nonlinear/activations';
import { evaluateModel } from './evaluate.js';
import { gridPoints } from './points.js';

/**
 * Constructive weights for PolyCom's Theorem 1 and the building blocks of Theorem 3: PolyReLU
 * networks (order r, nn's Linear and Sequential, weights set explicitly) that equal ReLU, ReLU^2,
 * a polynomial of degree <= r and the product x y, up to floating-point rounding.
 *
 * - ReLU and ReLU^2 are PolyReLU with coefficients (a_0, a_1, a_2, a_3) = (0, 1, 0, 0) and
 *   (0, 0, 1, 0); {@link toPolyReLU} turns any ReLU / ReLU^2 network into a PolyReLU network of
 *   the same size this way.
 * - p(x) = sum_{k<=r} c_k x^k on all of R: one hidden layer of 2r units, z_j = s_j x and
 *   z_{r+j} = -s_j x with s_j = j, PolyReLU coefficients (0, 1, ..., 1) shared by all units. For x >= 0
 *   the positive units give sum_j w_j sum_k s_j^k x^k, so sum_j w_j s_j^k = c_k (k = 1..r), a
 *   Vandermonde system; the negative units likewise with (-1)^k c_k; the output bias is c_0.
 * - x y = ((x + y)^2 - (x - y)^2) / 4 with z^2 = relu(z)^2 + relu(-z)^2: four hidden units with
 *   coefficients (0, 0, 1, 0) and output weights (1, 1, -1, -1) / 4.
 */

/** Where and in what dtype a construction is built. */
export interface ConstructionOptions {
  /** Backend of the weights (default: the current backend). */
  device?: string | Backend;
  /** float32 (default) or float64 (cpu). */
  dtype?: 'float32' | 'float64';
  /** The PolyReLU order r (default 3). */
  order?: number;
}

/** A network with explicit weights and the function it should equal. */
export interface ExactConstruction {
  /** A short name, e.g. `product`. */
  name: string;
  /** The function represented, for reports. */
  formula: string;
  /** Input dimension. */
  inFeatures: number;
  /** The PolyReLU network. */
  model: Sequential;
  /** The exact function, evaluated on the host in float64, at [N * inFeatures] row-major points. */
  reference: (points: Float64Array) => Float64Array;
}

/** A Linear layer with the given weight rows ([out][in]) and bias. */
function linearWith(weight: number[][], bias: number[], o: ConstructionOptions): Linear {
  const out = weight.length;
  const inF = weight[0]!.length;
  const lin = new Linear(inF, out, { device: o.device, dtype: o.dtype });
  const dt = { device: o.device, dtype: o.dtype ?? 'float32' } as const;
  const w = T.tensor(weight.flat(), { ...dt, shape: [out, inF] });
  const b = T.tensor(bias, dt);
  try {
    lin.loadStateDict({ weight: w, bias: b });
  } finally {
    T.dispose([w, b]);
  }
  return lin;
}

function polyRelu(coefficients: number[], o: ConstructionOptions): PolyReLU {
  return new PolyReLU({ order: coefficients.length - 1, coefficients, device: o.device, dtype: o.dtype });
}

/** PolyReLU coefficients [a_0, ..., a_r] with a single 1 at power p. */
function unitCoefficients(order: number, p: number): number[] {
  if (!Number.isInteger(order) || order < p) throw new ValueError(`PolyReLU order must be an integer >= ${p} here, got ${order}`);
  return Array.from({ length: order + 1 }, (_, i) => (i === p ? 1 : 0));
}

/** relu(x) as Linear(1, 1) -> PolyReLU (0, 1, 0, 0) -> Linear(1, 1), identity weights. */
export function reluConstruction(options: ConstructionOptions = {}): ExactConstruction {
  const model = new Sequential(linearWith([[1]], [0], options), polyRelu(unitCoefficients(options.order ?? 3, 1), options), linearWith([[1]], [0], options));
  return { name: 'relu', formula: 'max(x, 0)', inFeatures: 1, model, reference: (p) => p.map((x) => Math.max(x, 0)) };
}

/** relu(x)^2 as Linear(1, 1) -> PolyReLU (0, 0, 1, 0) -> Linear(1, 1). */
export function relu2Construction(options: ConstructionOptions = {}): ExactConstruction {
  const model = new Sequential(linearWith([[1]], [0], options), polyRelu(unitCoefficients(options.order ?? 3, 2), options), linearWith([[1]], [0], options));
  return { name: 'relu2', formula: 'max(x, 0)^2', inFeatures: 1, model, reference: (p) => p.map((x) => Math.max(x, 0) ** 2) };
}

/** Solves the small dense system A w = b (n x n, row-major) by Gaussian elimination with partial pivoting, in float64. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * w[k]!;
    w[r] = s / m[r]![r]!;
  }
  return w;
}

/**
 * p(x) = sum_k coefficients[k] x^k (degree <= r) on all of R, as a 1 -> 2r -> 1 PolyReLU network
 * (see the file comment). Degree 0 still builds the width-2r network (with zero output weights).
 */
export function polynomialConstruction(coefficients: readonly number[], options: ConstructionOptions = {}): ExactConstruction {
  const r = options.order ?? 3;
  if (!Number.isInteger(r) || r < 1) throw new ValueError(`polynomialConstruction: order must be a positive integer, got ${r}`);
  if (coefficients.length < 1 || coefficients.length > r + 1 || coefficients.some((c) => !Number.isFinite(c))) {
    throw new ValueError(`polynomialConstruction: needs 1 to ${r + 1} finite coefficients c_0..c_${r} (degree <= the order ${r}), got ${JSON.stringify(coefficients)}`);
  }
  const c = Array.from({ length: r + 1 }, (_, k) => coefficients[k] ?? 0);
  const s = Array.from({ length: r }, (_, j) => j + 1);
  const vander = Array.from({ length: r }, (_, k) => s.map((sj) => sj ** (k + 1)));
  const wPos = solve(vander, c.slice(1));
  const wNeg = solve(vander, c.slice(1).map((ck, k) => ((k + 1) % 2 === 0 ? ck : -ck)));
  const hidden = linearWith([...s.map((sj) => [sj]), ...s.map((sj) => [-sj])], new Array<number>(2 * r).fill(0), options);
  const act = polyRelu([0, ...new Array<number>(r).fill(1)], options);
  const out = linearWith([[...wPos, ...wNeg]], [c[0]!], options);
  const formula = c.map((ck, k) => `${ck}${k === 0 ? '' : k === 1 ? ' x' : ` x^${k}`}`).join(' + ');
  const reference = (p: Float64Array): Float64Array => p.map((x) => c.reduceRight((acc, ck) => acc * x + ck, 0));
  return { name: `polynomial-r${r}`, formula, inFeatures: 1, model: new Sequential(hidden, act, out), reference };
}

/** x y by polarisation: Linear(2, 4) -> PolyReLU (0, 0, 1, 0) -> Linear(4, 1) (see the file comment). */
export function productConstruction(options: ConstructionOptions = {}): ExactConstruction {
  const hidden = linearWith([[1, 1], [-1, -1], [1, -1], [-1, 1]], [0, 0, 0, 0], options);
  const act = polyRelu(unitCoefficients(options.order ?? 3, 2), options);
  const out = linearWith([[0.25, 0.25, -0.25, -0.25]], [0], options);
  const reference = (p: Float64Array): Float64Array => Float64Array.from({ length: p.length / 2 }, (_, j) => p[2 * j]! * p[2 * j + 1]!);
  return { name: 'product', formula: 'x y = ((x + y)^2 - (x - y)^2) / 4', inFeatures: 2, model: new Sequential(hidden, act, out), reference };
}

/**
 * Theorem 1 of the PolyCom paper made concrete: the same network with every ReLU replaced by a
 * PolyReLU with coefficients (0, 1, 0, ..., 0) and every ReLU^2 by (0, 0, 1, 0, ...), Linear weights
 * copied. The result has the same matrices plus r + 1 coefficients per activation. Only Linear,
 * ReLU and ReLU2 modules are accepted.
 */
export function toPolyReLU(net: Sequential, options: ConstructionOptions = {}): Sequential {
  const out = new Sequential();
  let i = 0;
  try {
    for (const m of net) {
      out.append(convert(m, i++, options));
    }
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

function convert(m: UnaryModule, i: number, o: ConstructionOptions): UnaryModule {
  const order = o.order ?? 3;
  if (m instanceof Linear) {
    const copy = new Linear(m.inFeatures, m.outFeatures, { bias: m.bias !== null, device: m.weight.backend, dtype: m.weight.dtype });
    copy.loadStateDict(m.stateDict());
    return copy;
  }
  const like = { device: o.device, dtype: o.dtype };
  if (m instanceof ReLU2) return polyRelu(unitCoefficients(order, 2), like);
  if (m instanceof ReLU) return polyRelu(unitCoefficients(order, 1), like);
  throw new ValueError(`toPolyReLU: element ${i} is a ${m.constructor.name}; only Linear, ReLU and ReLU2 modules have a PolyReLU equivalent here`);
}

/** Options of {@link exactnessError}. */
export interface ExactnessOptions {
  /** Points of the uniform grid on [low, high]^d (default 4096; rounded down to a power of d). */
  points?: number;
  /** Lower end of each coordinate (default -1). */
  low?: number;
  /** Upper end of each coordinate (default 1). */
  high?: number;
  /** Backend of the model (must match its weights). */
  device?: string | Backend;
  /** dtype of the model (must match its weights; default float32). */
  dtype?: 'float32' | 'float64';
}

/** How far a construction is from its function. */
export interface ExactnessResult {
  /** The construction's name. */
  name: string;
  /** max |network - reference| over the grid. */
  maxAbs: number;
  /** max |reference| over the grid (the scale of the values). */
  scale: number;
  /** maxAbs / max(scale, 1). */
  relative: number;
  /** Machine epsilon of the dtype. */
  eps: number;
  /** relative / eps: the error in units of the dtype's precision. */
  epsUnits: number;
  /** Points compared. */
  points: number;
}

/** Compares a construction with its reference on a uniform grid of [low, high]^d. */
export async function exactnessError(c: ExactConstruction, options: ExactnessOptions = {}): Promise<ExactnessResult> {
  const low = options.low ?? -1;
  const high = options.high ?? 1;
  if (!(high > low)) throw new ValueError(`exactnessError: need low < high, got [${low}, ${high}]`);
  const d = c.inFeatures;
  const side = Math.max(2, Math.floor((options.points ?? 4096) ** (1 / d)));
  const pts = gridPoints(side, d).map((u) => low + (high - low) * u);
  const dtype = options.dtype ?? 'float32';
  // The network sees the points rounded to its dtype; the reference gets the same rounded inputs.
  const rounded = dtype === 'float32' ? Float64Array.from(Float32Array.from(pts)) : pts;
  const { values } = await evaluateModel(c.model, rounded, d, { device: options.device, dtype });
  const ref = c.reference(rounded);
  let maxAbs = 0;
  let scale = 0;
  values.forEach((v, j) => {
    maxAbs = Math.max(maxAbs, Math.abs(v - ref[j]!));
    scale = Math.max(scale, Math.abs(ref[j]!));
  });
  const eps = dtype === 'float32' ? 2 ** -23 : 2 ** -52;
  const relative = maxAbs / Math.max(scale, 1);
  return { name: c.name, maxAbs, scale, relative, eps, epsUnits: relative / eps, points: values.length };
}
