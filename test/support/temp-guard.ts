import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup: every test (and every process it starts, see child-env.ts) gets a
 * temp folder of this run only, so a folder or file a test forgets to remove is found,
 * not left in the system's temp dir. At the end anything left in the run folder fails
 * the run, naming it, and the run folder is removed. tsx and Node keep compile caches
 * in `<tmpdir>/tsx-<uid>` and `<tmpdir>/node-compile-cache` (Node's module compile
 * cache, which vitest turns on): those names are linked to the system temp dir's caches,
 * so child processes do not compile the whole app from cold on every run (removing the
 * run folder removes the links, not the caches); the links are the only entries allowed.
 */
export function setup(): () => void {
  const systemTemp = tmpdir();
  const runTemp = mkdtempSync(join(systemTemp, 'comfycord-test-run-'));
  const caches = sharedCaches();
  for (const cache of caches) {
    mkdirSync(join(systemTemp, cache), { recursive: true });
    symlinkSync(join(systemTemp, cache), join(runTemp, cache), 'dir');
  }
  process.env['TMPDIR'] = runTemp;
  return () => {
    const leftovers = readdirSync(runTemp).filter((name) => !caches.includes(name));
    rmSync(runTemp, { recursive: true, force: true });
    process.env['TMPDIR'] = systemTemp;
    if (leftovers.length === 0) return;
    // vitest reports an error thrown here but still exits 0, so set the exit code too.
    process.exitCode = 1;
    throw new Error(`tests left temp files behind (remove them in the test): ${leftovers.join(', ')}`);
  };
}

/** The compile caches every run shares with the system temp dir (see setup). */
export function sharedCaches(): string[] {
  return [`tsx-${userInfo().uid}`, 'node-compile-cache'];
}
