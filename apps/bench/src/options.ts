/**
 * Typed option handling: command-line flags and config-file values are parsed against the
 * declarations of the frame and of each suite, with messages that name the allowed values.
 */
import { parseArgs } from 'node:util';
import type { Json, Mode, OptionSpec, OptionsSchema } from './suite.js';

/** A mistake in how the command was called: printed with a hint, exit code 2, nothing written. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help to point to, e.g. `pnpm bench kernels --help`. */
    readonly helpCommand = 'pnpm bench --help',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure while running (no adapter, a unit threw, a corrupt file): exit code 1. */
export class RunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function defaultFor(spec: OptionSpec, mode: Mode): unknown {
  const v = mode === 'quick' && spec.quick !== undefined ? spec.quick : spec.default;
  return Array.isArray(v) ? [...v] : v;
}

export function defaults(schema: OptionsSchema, mode: Mode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(schema)) out[k] = defaultFor(spec, mode);
  return out;
}

/** "int >= 1", "one of webgpu, cpu, auto", ... */
export function describeType(spec: OptionSpec): string {
  const range = (s: { min?: number; max?: number }): string =>
    s.min !== undefined && s.max !== undefined ? ` in [${s.min}, ${s.max}]` : s.min !== undefined ? ` >= ${s.min}` : s.max !== undefined ? ` <= ${s.max}` : '';
  switch (spec.type) {
    case 'int':
      return `integer${range(spec)}`;
    case 'number':
      return `number${range(spec)}`;
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'int[]':
      return `comma-separated ${spec.length !== undefined ? `${spec.length} ` : ''}integers${range(spec)}`;
    case 'enum[]':
      return `comma-separated subset of ${spec.values.join(', ')}`;
  }
}

export function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (v === '' || v === null || v === undefined) return '(none)';
  return String(v);
}

function fail(where: string, spec: OptionSpec, got: unknown, helpCommand: string): never {
  const shown = typeof got === 'string' ? `"${got}"` : JSON.stringify(got);
  throw new UsageError(`${where}: expected ${describeType(spec)}; got ${shown}`, helpCommand);
}

function checkRange(n: number, spec: { min?: number; max?: number }, where: string, full: OptionSpec, raw: unknown, help: string): void {
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) fail(where, full, raw, help);
}

function parseInt10(s: string): number | null {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Converts a flag's text (`raw` string) or a config file's JSON value to the option's type and
 * checks it. `where` names the source in messages (`--reps`, `config.json: reps`).
 */
export function coerce(spec: OptionSpec, raw: unknown, where: string, helpCommand: string): unknown {
  const text = typeof raw === 'string';
  switch (spec.type) {
    case 'int': {
      const n = text ? parseInt10(raw) : typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : null;
      if (n === null) fail(where, spec, raw, helpCommand);
      checkRange(n, spec, where, spec, raw, helpCommand);
      return n;
    }
    case 'number': {
      const n = text && raw.trim() !== '' ? Number(raw) : typeof raw === 'number' ? raw : NaN;
      if (!Number.isFinite(n)) fail(where, spec, raw, helpCommand);
      checkRange(n, spec, where, spec, raw, helpCommand);
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      return fail(where, spec, raw, helpCommand);
    }
    case 'string': {
      if (typeof raw !== 'string') fail(where, spec, raw, helpCommand);
      return raw;
    }
    case 'enum': {
      if (typeof raw !== 'string' || !spec.values.includes(raw)) fail(where, spec, raw, helpCommand);
      return raw;
    }
    case 'int[]': {
      const items: unknown[] = text ? (raw.trim() === '' ? [] : raw.split(',')) : Array.isArray(raw) ? raw : fail(where, spec, raw, helpCommand);
      const out = items.map((it) => {
        const n = typeof it === 'string' ? parseInt10(it) : typeof it === 'number' && Number.isSafeInteger(it) ? it : null;
        if (n === null) fail(where, spec, raw, helpCommand);
        checkRange(n, spec, where, spec, raw, helpCommand);
        return n;
      });
      if (out.length === 0 || (spec.length !== undefined && out.length !== spec.length)) fail(where, spec, raw, helpCommand);
      return out;
    }
    case 'enum[]': {
      const items: unknown[] = text ? (raw.trim() === '' ? [] : raw.split(',').map((s) => s.trim())) : Array.isArray(raw) ? raw : fail(where, spec, raw, helpCommand);
      if (items.length === 0) fail(where, spec, raw, helpCommand);
      for (const it of items) {
        if (typeof it !== 'string' || !spec.values.includes(it)) {
          throw new UsageError(`${where}: "${String(it)}" is not one of ${spec.values.join(', ')}`, helpCommand);
        }
      }
      return [...new Set(items as string[])];
    }
  }
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

export function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const dd = distance(name, c);
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export interface FlagDecl {
  /** kebab-case flag name without dashes. */
  flag: string;
  kind: 'string' | 'boolean';
}

export interface ParsedFlags {
  /** Flag name (kebab) to its text, or a boolean for boolean flags (`--no-x` gives false). */
  values: Map<string, string | boolean>;
  positionals: string[];
  help: boolean;
}

/**
 * Splits argv into flags and positionals with node's util.parseArgs, then checks every flag
 * against `decls`: an unknown flag, a missing value or a value given to a boolean is an error
 * that lists the allowed flags.
 */
export function parseFlags(args: readonly string[], decls: readonly FlagDecl[], command: string, helpCommand: string): ParsedFlags {
  const byFlag = new Map(decls.map((d) => [d.flag, d]));
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const d of decls) options[d.flag] = { type: d.kind };
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | boolean>();
  const positionals: string[] = [];
  let help = false;
  const allowed = (): string => decls.map((d) => `--${d.flag}`).join(', ');
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const name = t.name;
    if (name === 'help' || name === 'h') {
      help = true;
      continue;
    }
    let d = byFlag.get(name);
    let negated = false;
    if (!d && name.startsWith('no-')) {
      const base = byFlag.get(name.slice(3));
      if (base?.kind === 'boolean') {
        d = base;
        negated = true;
      }
    }
    if (!d) {
      const hint = suggest(name, decls.map((x) => x.flag));
      throw new UsageError(
        `${command}: unknown option ${t.rawName}${hint ? ` (did you mean --${hint}?)` : ''}. Allowed: ${allowed() || '(none)'}, --help`,
        helpCommand,
      );
    }
    if (d.kind === 'boolean') {
      if (t.value !== undefined) {
        const v = t.value;
        if (v !== 'true' && v !== 'false') throw new UsageError(`${command}: --${d.flag} is a switch; got the value "${v}" (use --${d.flag} or --no-${d.flag})`, helpCommand);
        values.set(d.flag, negated ? v === 'false' : v === 'true');
      } else {
        values.set(d.flag, !negated);
      }
    } else {
      const v = t.value;
      if (v === undefined || (t.inlineValue !== true && v.startsWith('--'))) {
        throw new UsageError(`${command}: --${d.flag} needs a value`, helpCommand);
      }
      values.set(d.flag, v);
    }
  }
  // parseArgs gives a missing string value as `undefined` without a token value when the flag
  // is last; a value that looked like a flag was consumed above and reported.
  return { values, positionals, help };
}

/** Help lines for a schema: flag, type, default (quick default), description. */
export function optionsHelp(schema: OptionsSchema): string[] {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    const flag = spec.type === 'boolean' ? `--${kebab(key)}` : `--${kebab(key)} <${spec.type}>`;
    const dflt =
      spec.quick !== undefined && formatValue(spec.quick) !== formatValue(spec.default)
        ? `default ${formatValue(spec.default)}, quick ${formatValue(spec.quick)}`
        : `default ${formatValue(spec.default)}`;
    lines.push(`  ${flag.padEnd(30)} ${spec.description}`);
    lines.push(`  ${''.padEnd(30)} ${describeType(spec)}; ${dflt}`);
  }
  return lines;
}

/** JSON-safe copy of option values, for config.json. */
export function toJson(values: Record<string, unknown>): { [k: string]: Json } {
  return JSON.parse(JSON.stringify(values)) as { [k: string]: Json };
}
