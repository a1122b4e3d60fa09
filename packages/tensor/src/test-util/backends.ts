import type { Backend } from '../backend/backend.js';
import { initBackend } from '../backend/select.js';
import { testBackends as shared } from '../../../../tools/testing/backends.js';

/** The backends a test file runs on (see tools/testing/backends.js). */
export const testBackends = (): Promise<Backend[]> => shared<Backend>(initBackend);
