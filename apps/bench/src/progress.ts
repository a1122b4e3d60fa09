/**
 * Progress: a cli-progress bar with ETA when stdout is a terminal, one plain line per finished
 * unit otherwise (CI logs, files, pipes).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts counting; `done` units are already finished (a resumed run). */
  start(total: number, done: number): void;
  /** One unit finished. */
  step(label: string, detail: string, elapsedMs: number): void;
  /** A message that does not break the bar. */
  log(message: string): void;
  stop(): void;
}

/** Where a command writes: plain text out and err, and the terminal when stdout is one. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** stdout when it is a TTY (a progress bar can be drawn), else null. */
  tty: NodeJS.WriteStream | null;
}

export const processIo: Io = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  tty: process.stdout.isTTY ? process.stdout : null,
};

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A bar on a terminal (unless CI is set), plain lines otherwise. */
export function createProgress(io: Io, env: NodeJS.ProcessEnv = process.env): Progress {
  return io.tty && !env.CI ? barProgress(io.tty) : lineProgress(io.out);
}

function lineProgress(write: (s: string) => void): Progress {
  let total = 0;
  let done = 0;
  const width = (): number => String(total).length;
  return {
    start(t, d) {
      total = t;
      done = d;
      if (d > 0) write(`resuming: ${d} of ${t} units already done\n`);
    },
    step(label, detail, elapsedMs) {
      done++;
      write(`[${String(done).padStart(width())}/${total}] ${label}${detail ? `  ${detail}` : ''}  (${seconds(elapsedMs)})\n`);
    },
    log(message) {
      write(`${message}\n`);
    },
    stop() {},
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {bar} {percentage}% | {value}/{total} units | elapsed {duration_formatted} | ETA {eta_formatted} | {last}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 8,
      etaAsynchronousUpdate: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(total, done) {
      bar = multi.create(total, done, { last: done > 0 ? `resumed after ${done}` : 'starting' });
    },
    step(label, detail) {
      bar?.increment(1, { last: `${label} ${detail}`.slice(0, 60) });
    },
    log(message) {
      multi.log(`${message}\n`);
    },
    stop() {
      multi.stop();
    },
  };
}
