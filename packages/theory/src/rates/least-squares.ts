/** Ordinary least squares of a line v = a + b u, with the statistics both rate laws report. */

/** A fitted line and its residuals. */
export interface LineFit {
  slope: number;
  intercept: number;
  residuals: number[];
  /** 1 - SS_res / SS_tot (1 when v is constant and fitted exactly). */
  r2: number;
  /** sqrt(SS_res / (m - p)), p the number of fitted parameters; NaN when m <= p. */
  residualSE: number;
}

/** Fit statistics shared by the line and the one-parameter inverse-log law. */
export function fitStats(v: readonly number[], fitted: readonly number[], params: number): Pick<LineFit, 'residuals' | 'r2' | 'residualSE'> {
  const m = v.length;
  const mv = v.reduce((a, b) => a + b, 0) / m;
  let ssRes = 0;
  let ssTot = 0;
  const residuals = v.map((vi, i) => {
    const r = vi - fitted[i]!;
    ssRes += r * r;
    ssTot += (vi - mv) ** 2;
    return r;
  });
  const r2 = ssTot === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / ssTot;
  return { residuals, r2, residualSE: m > params ? Math.sqrt(ssRes / (m - params)) : NaN };
}

/** Least-squares line through (u_i, v_i); the slope is NaN when all u are equal. */
export function fitLine(u: readonly number[], v: readonly number[]): LineFit {
  const m = u.length;
  const mu = u.reduce((a, b) => a + b, 0) / m;
  const mv = v.reduce((a, b) => a + b, 0) / m;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < m; i++) {
    sxy += (u[i]! - mu) * (v[i]! - mv);
    sxx += (u[i]! - mu) ** 2;
  }
  const slope = sxx === 0 ? NaN : sxy / sxx;
  const intercept = mv - slope * mu;
  return { slope, intercept, ...fitStats(v, u.map((ui) => intercept + slope * ui), 2) };
}
