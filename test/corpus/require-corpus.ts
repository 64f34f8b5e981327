import { existsSync, readdirSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

/**
 * vitest.corpus.config.ts's global setup: no corpus fails the corpus run before any test,
 * never a silent skip. The check lives here, not in the config, because tools that only
 * read the config (knip, inside `npm test`) must load it on a clone with no corpus.
 */
export default function requireCorpus(project: TestProject): void {
  // The folder the config resolved (test.env), which the tests read too.
  const dir = project.config.env['COMFYCORD_CORPUS_DIR'] ?? '';
  if (dir === '' || !existsSync(dir) || !readdirSync(dir).some((file) => file.endsWith('.json'))) {
    throw new Error(`npm run test:corpus: no real graphs (*.json) in ${dir}; set COMFYCORD_CORPUS_DIR to the corpus folder`);
  }
}
