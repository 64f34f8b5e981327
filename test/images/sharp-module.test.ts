import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * sharp (libvips) is mapped into the process at the first image work, not when the bot is
 * imported (issue 12.2: ~20 MB resident that an idle bot never uses). Read from the
 * process's own memory map, in a fresh process, so nothing the test runner loaded counts.
 */
const root = join(import.meta.dirname, '..', '..');

function run(script: string): string {
  const child = spawnSync(process.execPath, ['--experimental-sqlite', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).not.toMatch(/Error/);
  return child.stdout.trim();
}

const LOADED = "(await import('node:fs')).readFileSync('/proc/self/maps', 'utf8').match(/libvips|sharp-linux/) !== null";

describe('sharp is loaded when first needed', () => {
  it('importing the whole bot leaves it out; the first image work brings it in', () => {
    const out = run(`
      await import('./src/wiring/create-bot.ts');
      console.log('imported', ${LOADED});
      const { assertWholeImage } = await import('./src/images/whole-image.ts');
      const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
      await assertWholeImage(png, 'a 1x1 PNG');
      console.log('used', ${LOADED});
    `);
    expect(out.split('\n')).toEqual(['imported false', 'used true']);
  }, 60_000);
});
