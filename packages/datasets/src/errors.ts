import { NonlinearError } from '@nonlinear/tensor';

/**
 * A dataset that cannot be loaded: a missing optional data package (the message says which one
 * to install), or a source file that is truncated or malformed (the message names the file and
 * what was wrong with it).
 */
export class DatasetError extends NonlinearError {}
