import { defineConfig } from 'vitest/config';

// The webgpu tests compile a pipeline per kernel on first use; under a software adapter on a busy
// machine that can exceed vitest's 5 s default.
export default defineConfig({ test: { testTimeout: 60_000 } });
