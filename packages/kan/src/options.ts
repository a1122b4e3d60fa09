import { ValueError } from '@nonlinear/tensor';

/**
 * Checks of constructor options shared by the layers and the builder: every message names the
 * op and lists what is allowed.
 */

/** `value` if it is one of `allowed`, else a ValueError listing them. */
export function checkChoice<T extends string>(op: string, what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ValueError(`${op}: ${what} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Throws a ValueError naming the unknown keys of `options` and listing the allowed ones. */
export function checkKeys(op: string, options: object | undefined, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValueError(`${op}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new ValueError(`${op}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
}

/** `n` if it is an integer >= `min`, else a ValueError. */
export function checkInt(op: string, what: string, n: unknown, min = 1): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ValueError(`${op}: ${what} must be an integer >= ${min}, got ${String(n)}`);
  return n;
}

/** The option keys every layer takes: where its parameters live. */
export const PLACEMENT_KEYS: readonly string[] = Object.freeze(['device', 'dtype']);
