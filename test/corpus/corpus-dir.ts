import { existsSync, readdirSync } from 'node:fs';

/**
 * The folder of real workflow graphs exported by third parties (not ours, so not in
 * the repo). vitest.corpus.config.ts resolves it into COMFYCORD_CORPUS_DIR and its global setup
 * (require-corpus.ts) refuses
 * to start without it; this check repeats that for a corpus test run by another config.
 */
function corpusDir(): string {
  const dir = process.env['COMFYCORD_CORPUS_DIR'];
  if (dir === undefined || dir === '') throw new Error('COMFYCORD_CORPUS_DIR is not set: run the corpus tests with `npm run test:corpus`');
  if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.json'))) throw new Error(`no corpus of real graphs (*.json) in ${dir}`);
  return dir;
}

export const CORPUS_DIR = corpusDir();
