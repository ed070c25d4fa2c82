import { defineConfig } from 'vitest/config';

// Tests run from TypeScript sources; worker processes spawned by the runtime load the same sources
// through tsx, so nothing here needs a build.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
