/** The suites the bench knows. A new study registers here (and nowhere else). */
import type { AnySuite } from './suite.js';
import { activationsSuite } from './suites/activations.js';
import { kanSuite } from './suites/kan.js';
import { kernelsSuite } from './suites/kernels.js';
import { mleSuite } from './suites/mle.js';
import { moeSuite } from './suites/moe.js';
import { sleepSuite } from './suites/sleep.js';
import { sobolevSuite } from './suites/sobolev.js';
import { tourSuite } from './suites/tour.js';

/** Set to 1 to register test-only suites (`sleep`), for the bench's own tests. */
export const TEST_SUITES_ENV = 'NONLINEAR_BENCH_TEST_SUITES';

export function registeredSuites(env: NodeJS.ProcessEnv = process.env): AnySuite[] {
  const list: AnySuite[] = [tourSuite as unknown as AnySuite, kernelsSuite as unknown as AnySuite, activationsSuite as unknown as AnySuite, kanSuite as unknown as AnySuite, moeSuite as unknown as AnySuite];
  list.push(mleSuite as unknown as AnySuite);
  list.push(sobolevSuite as unknown as AnySuite);
  if (env[TEST_SUITES_ENV] === '1') list.push(sleepSuite as unknown as AnySuite);
  return list;
}

export function findSuite(name: string, env: NodeJS.ProcessEnv = process.env): AnySuite | undefined {
  return registeredSuites(env).find((s) => s.name === name);
}

/** The suites `pnpm bench` (all) runs: every registered suite except test-only ones. */
export function tourSuites(env: NodeJS.ProcessEnv = process.env): AnySuite[] {
  return registeredSuites(env).filter((s) => !s.hidden);
}
