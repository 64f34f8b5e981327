import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every test (and every process it starts) gets a temp folder of
 * this run only, so a folder a test forgets to remove is found, not left in the
 * system's temp dir. At the end a leftover `comfycord-*` folder fails the run, naming
 * it; tool caches (tsx, node's compile cache) are just removed with the run folder.
 */
export function setup(): () => void {
  const systemTemp = tmpdir();
  const runTemp = mkdtempSync(join(systemTemp, 'comfycord-test-run-'));
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
