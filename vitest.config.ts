import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real third-party graphs live outside the repo: `npm run test:corpus` runs those.
    exclude: ['test/corpus/**', 'node_modules/**'],
    globalSetup: ['test/support/temp-guard.ts', 'test/support/bot-bundle-setup.ts'],
    // Many tests start the bot or the CLI as a process (tsx compiles it first): on two
    // busy cores that alone took 10–20 s, so 20 s limits failed tests that were only slow.
    // A test that hangs still fails, a minute later.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on 127.0.0.1; two cores in CI.
    pool: 'forks',
    maxWorkers: 2,
  },
});
