import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The corpus tests: detection and server checks against real graphs exported by third
 * parties. The corpus is not ours to ship, so it stays outside the repo: the folder
 * named by COMFYCORD_CORPUS_DIR, else `workflows-real` in the project's shared folder
 * beside the checkout. No corpus is an error, never a silent skip.
 */
const corpus = process.env['COMFYCORD_CORPUS_DIR'] ?? fileURLToPath(new URL('../shared/workflows-real', import.meta.url));
if (!existsSync(corpus) || !readdirSync(corpus).some((file) => file.endsWith('.json'))) {
  throw new Error(`npm run test:corpus: no real graphs (*.json) in ${corpus}; set COMFYCORD_CORPUS_DIR to the corpus folder`);
}

export default defineConfig({
  test: {
    include: ['test/corpus/**/*.test.ts'],
    env: { COMFYCORD_CORPUS_DIR: corpus },
    pool: 'forks',
    maxWorkers: 2,
  },
});
