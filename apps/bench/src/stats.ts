/** Small descriptive statistics for measurements (no dependencies, no NaN surprises). */

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Linear-interpolation quantile (NumPy's default), q in [0, 1]. NaN for an empty list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n - 1); 0 for a single value. */
export function std(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export interface PowerLawFit {
  /** y = 10^intercept * x^slope, fitted by least squares on log10 x, log10 y. */
  slope: number;
  intercept: number;
  /** Coefficient of determination in log space. */
  r2: number;
  n: number;
}

/** Least-squares line through (log10 x, log10 y); points with x or y <= 0 are ignored. */
export function fitPowerLaw(xs: readonly number[], ys: readonly number[]): PowerLawFit {
  const lx: number[] = [];
  const ly: number[] = [];
  xs.forEach((x, i) => {
    const y = ys[i]!;
    if (x > 0 && y > 0 && Number.isFinite(x) && Number.isFinite(y)) {
      lx.push(Math.log10(x));
      ly.push(Math.log10(y));
    }
  });
  const n = lx.length;
  if (n < 2) return { slope: NaN, intercept: NaN, r2: NaN, n };
  const mx = mean(lx);
  const my = mean(ly);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? NaN : sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2, n };
}

/** A number for a table: 3 significant digits, thousands kept whole. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 10 ** digits) return x.toFixed(0);
  if (a === 0) return '0';
  return Number(x.toPrecision(digits)).toString();
}
