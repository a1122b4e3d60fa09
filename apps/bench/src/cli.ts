#!/usr/bin/env node
/**
 * The nonlinear command line: `pnpm bench [suite|all|list|report|merge] [options]`.
 * See `pnpm bench --help` and apps/bench/README.md.
 */
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Dawn keeps the event loop alive after webgpu work; leave once stdout has drained.
process.stdout.write('', () => process.exit(code));
