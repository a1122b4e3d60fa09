import { initBackend, type Backend } from '@nonlinear/tensor';
import { testBackends as shared } from '../../../../../tools/testing/backends.js';

/** The backends a test file runs on (see tools/testing/backends.js). */
export const testBackends = (): Promise<Backend[]> => shared<Backend>(initBackend);
