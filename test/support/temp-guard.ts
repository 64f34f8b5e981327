import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every test (and every process it starts) gets a temp folder of
 * this run only, so a folder a test forgets to remove is found, not left in the
 * system's temp dir. At the end a leftover `comfycord-*` folder fails the run, naming
 * it. tsx keeps its compile cache in `<tmpdir>/tsx-<uid>`: that name is linked to the
 * system temp dir's cache, so child processes do not compile the whole app from cold
 * on every run (removing the run folder removes the link, not the cache).
 */
export function setup(): () => void {
  const systemTemp = tmpdir();
  const runTemp = mkdtempSync(join(systemTemp, 'comfycord-test-run-'));
  const tsxCache = `tsx-${userInfo().uid}`;
  mkdirSync(join(systemTemp, tsxCache), { recursive: true });
  symlinkSync(join(systemTemp, tsxCache), join(runTemp, tsxCache), 'dir');
  process.env['TMPDIR'] = runTemp;
  return () => {
    const leftovers = readdirSync(runTemp).filter((name) => name.startsWith('comfycord-'));
    rmSync(runTemp, { recursive: true, force: true });
    process.env['TMPDIR'] = systemTemp;
    if (leftovers.length === 0) return;
    // vitest reports an error thrown here but still exits 0, so set the exit code too.
    process.exitCode = 1;
    throw new Error(`tests left temp folders behind (remove them in the test): ${leftovers.join(', ')}`);
  };
}
