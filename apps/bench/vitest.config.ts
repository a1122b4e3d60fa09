import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The tests drive the built CLI in child processes (a real SIGKILL needs a real process);
    // this rebuilds dist/ first when a source file is newer than it.
    globalSetup: ['./src/test-util/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
