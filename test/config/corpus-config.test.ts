import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * vitest.corpus.config.ts on a clone with no corpus beside it. Tools that only read the
 * config (knip, inside `npm test`) must load it; `npm run test:corpus` itself must fail
 * and say why.
 */
const root = join(import.meta.dirname, '..', '..');
const empty = mkdtempSync(join(tmpdir(), 'comfycord-nocorpus-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const env = { ...process.env, COMFYCORD_CORPUS_DIR: empty };

describe('the corpus test config without a corpus', () => {
  it('loads (knip reads it during npm test)', () => {
    const loaded = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./vitest.corpus.config.ts'); console.log('loaded')"], { cwd: root, env, encoding: 'utf8', timeout: 30_000 });
    expect(loaded.stderr).not.toContain('no real graphs');
    expect(loaded.stdout.trim()).toBe('loaded');
    expect(loaded.status).toBe(0);
  });

  it('fails the corpus run loudly, naming the folder and the variable', () => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'vitest.corpus.config.ts'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).toContain(`no real graphs (*.json) in ${empty}`);
    expect(output).toContain('COMFYCORD_CORPUS_DIR');
  }, 60_000);
});
