import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The corpus tests: detection and server checks against real graphs exported by third
 * parties. The corpus is not ours to ship, so it stays outside the repo: the folder
 * named by COMFYCORD_CORPUS_DIR, else `workflows-real` in the project's shared folder
 * beside the checkout. No corpus is an error, never a silent skip: the global setup
 * (test/corpus/require-corpus.ts) fails the run, so loading this file never throws.
 */
const corpus = process.env['COMFYCORD_CORPUS_DIR'] ?? fileURLToPath(new URL('../shared/workflows-real', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/corpus/**/*.test.ts'],
    env: { COMFYCORD_CORPUS_DIR: corpus },
    globalSetup: ['test/corpus/require-corpus.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
