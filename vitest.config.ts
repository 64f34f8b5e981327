import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real third-party graphs live outside the repo: `npm run test:corpus` runs those.
    exclude: ['test/corpus/**', 'node_modules/**'],
    globalSetup: ['test/support/temp-guard.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests start real servers on 127.0.0.1; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
  },
});
