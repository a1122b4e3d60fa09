/** One curve of a {@link LinePlot}. */
export interface Series {
  /** Legend text. */
  label: string;
  /** Abscissae (same length as y). */
  x: ArrayLike<number>;
  /** Ordinates; non-finite values break the line. */
  y: ArrayLike<number>;
  /** CSS colour. */
  color: string;
  /** Draw dashed (derivatives, reference curves). */
  dashed?: boolean;
}

/** Axes and scale of a {@link LinePlot}. */
export interface PlotOptions {
  /** Title above the plot. */
  title?: string;
  /** Logarithmic y axis (loss curves). */
  logY?: boolean;
  /** Fixed y range; default: the data's, padded. */
  yRange?: [number, number];
}

/** Colours of series and experts, distinguishable and print-safe (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-12; t += step) ticks.push(Math.abs(t) < 1e-12 ? 0 : t);
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-2 ? v.toExponential(0) : String(+v.toPrecision(3));
}

/** A line chart on a canvas: axes with ticks, a legend, redrawn whole on each call to draw. */
export class LinePlot {
  /** The canvas drawn on. */
  readonly canvas: HTMLCanvasElement;

  constructor(parent: HTMLElement, width = 420, height = 260) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.className = 'plot';
    parent.append(this.canvas);
  }

  /** Draws the series (replacing what was there). */
  draw(series: readonly Series[], options: PlotOptions = {}): void {
    const ctx = this.canvas.getContext('2d')!;
    const { width: W, height: H } = this.canvas;
    const m = { l: 48, r: 10, t: options.title ? 22 : 8, b: 22 };
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    const ty = (v: number): number => (options.logY ? Math.log10(Math.max(v, 1e-30)) : v);
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of series) {
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i]!;
        if (!Number.isFinite(y) || (options.logY && y <= 0)) continue;
        x0 = Math.min(x0, s.x[i]!);
        x1 = Math.max(x1, s.x[i]!);
        y0 = Math.min(y0, ty(y));
        y1 = Math.max(y1, ty(y));
      }
    }
    if (options.yRange) [y0, y1] = options.yRange.map(ty) as [number, number];
    if (!Number.isFinite(x0)) [x0, x1, y0, y1] = [0, 1, 0, 1];
    if (x1 === x0) x1 = x0 + 1;
    if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
    const pad = options.yRange ? 0 : (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
    const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
    const py = (y: number): number => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
    ctx.font = '11px system-ui, sans-serif';
    ctx.strokeStyle = '#ddd';
    ctx.fillStyle = '#555';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    const yt = options.logY ? niceTicks(Math.floor(y0), Math.ceil(y1)).filter((t) => Number.isInteger(t) && t >= y0 && t <= y1) : niceTicks(y0, y1);
    for (const t of yt) {
      ctx.beginPath();
      ctx.moveTo(m.l, py(t));
      ctx.lineTo(W - m.r, py(t));
      ctx.stroke();
      ctx.fillText(options.logY ? `1e${t}` : fmt(t), m.l - 4, py(t) + 4);
    }
    ctx.textAlign = 'center';
    for (const t of niceTicks(x0, x1)) ctx.fillText(fmt(t), px(t), H - 6);
    ctx.strokeStyle = '#888';
    ctx.strokeRect(m.l, m.t, W - m.l - m.r, H - m.t - m.b);
    if (options.title) {
      ctx.fillStyle = '#222';
      ctx.textAlign = 'left';
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.fillText(options.title, m.l, 15);
      ctx.font = '11px system-ui, sans-serif';
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.l, m.t, W - m.l - m.r, H - m.t - m.b);
    ctx.clip();
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.8;
      ctx.setLineDash(s.dashed ? [5, 3] : []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.x.length; i++) {
        const y = s.y[i]!;
        if (!Number.isFinite(y) || (options.logY && y <= 0)) {
          pen = false;
          continue;
        }
        const X = px(s.x[i]!), Y = py(ty(y));
        if (pen) ctx.lineTo(X, Y);
        else ctx.moveTo(X, Y);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.restore();
    ctx.setLineDash([]);
    ctx.textAlign = 'left';
    let lx = m.l + 6;
    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.setLineDash(s.dashed ? [5, 3] : []);
      ctx.beginPath();
      ctx.moveTo(lx, m.t + 10);
      ctx.lineTo(lx + 14, m.t + 10);
      ctx.stroke();
      ctx.fillStyle = '#222';
      ctx.fillText(s.label, lx + 17, m.t + 14);
      lx += 24 + ctx.measureText(s.label).width;
    }
    ctx.setLineDash([]);
  }
}
