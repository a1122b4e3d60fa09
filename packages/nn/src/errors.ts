import { NonlinearError } from '@nonlinear/tensor';

/** A key whose tensor does not have the shape the module expects. */
export interface MismatchedKey {
  /** The dotted state-dict key. */
  key: string;
  /** The shape of the module's tensor. */
  expected: readonly number[];
  /** The shape in the state dict. */
  got: readonly number[];
}

/**
 * A state dict that does not fit a module: keys the module expects but the dict lacks, keys
 * the module does not have, and keys with the wrong shape. The message lists them all (so one
 * failed load shows every problem at once); the fields hold them for programs.
 */
export class StateDictError extends NonlinearError {
  /** Keys the module has and the state dict lacks. */
  readonly missingKeys: readonly string[];
  /** Keys the state dict has and the module does not. */
  readonly unexpectedKeys: readonly string[];
  /** Keys present in both with different shapes. */
  readonly mismatchedKeys: readonly MismatchedKey[];

  constructor(message: string, missingKeys: readonly string[] = [], unexpectedKeys: readonly string[] = [], mismatchedKeys: readonly MismatchedKey[] = []) {
    super(message);
    this.missingKeys = missingKeys;
    this.unexpectedKeys = unexpectedKeys;
    this.mismatchedKeys = mismatchedKeys;
  }
}
