import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setup, sharedCaches } from './temp-guard.ts';

/**
 * The guard that keeps the suite from leaving anything in the system temp dir, run on
 * its own inside this test's temp dir: it must fail the run when something is left.
 */
describe('temp guard (vitest globalSetup)', () => {
  const outerTemp = tmpdir();
  const outerExitCode = process.exitCode;
  afterEach(() => {
    process.env['TMPDIR'] = outerTemp;
    process.exitCode = outerExitCode;
  });

  it('fails the run naming a folder or file a test left in the run folder, and still removes it', () => {
    const teardown = setup();
    const runTemp = tmpdir();
    expect(runTemp).not.toBe(outerTemp);
    mkdirSync(join(runTemp, 'forgotten-folder'));
    writeFileSync(join(runTemp, 'stray.txt'), 'x');
    expect(() => teardown()).toThrow(/left temp files behind.*(forgotten-folder, stray\.txt|stray\.txt, forgotten-folder)/);
    expect(process.exitCode).toBe(1);
    expect(existsSync(runTemp)).toBe(false);
    expect(tmpdir()).toBe(outerTemp);
  });

  it('passes a clean run, removing the run folder but not the shared compile caches it links to', () => {
    const before = readdirSync(outerTemp).filter((name) => name.startsWith('comfycord-test-run-'));
    const teardown = setup();
    const runTemp = tmpdir();
    expect(readdirSync(runTemp).sort()).toEqual(sharedCaches().sort());
    expect(() => teardown()).not.toThrow();
    expect(process.exitCode).toBe(outerExitCode);
    expect(existsSync(runTemp)).toBe(false);
    for (const cache of sharedCaches()) expect(existsSync(join(outerTemp, cache))).toBe(true);
    expect(readdirSync(outerTemp).filter((name) => name.startsWith('comfycord-test-run-'))).toEqual(before);
  });
});
