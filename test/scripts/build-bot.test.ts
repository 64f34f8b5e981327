import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildBundle } from '../../scripts/build-bot.mjs';

/**
 * The start command runs the bot as one bundle, dist/bot.mjs (scripts/build-bot.mjs), so
 * what the bot reads relative to its own source files must hold from there too.
 */
const root = join(import.meta.dirname, '..', '..');
const made: string[] = [];
afterEach(() => {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfycord-build-'));
  made.push(dir);
  return dir;
}

describe('scripts/build-bot.mjs', () => {
  it('a bundle in dist/ still finds the shipped workflows/ when the working folder has none', async () => {
    const entry = join(root, 'dist', `entry-${process.pid}.ts`);
    // Beside dist/bot.mjs, one folder below the repo, as the start command runs it.
    const outfile = join(root, 'dist', `probe-${process.pid}.mjs`);
    made.push(entry, outfile, `${outfile}.map`);
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(entry, "import { workflowsDirFor } from '../src/workflows/template-folder.ts';\nconsole.log(workflowsDirFor(null));\n");
    await buildBundle(entry, outfile);
    const child = spawnSync(process.execPath, [outfile], { cwd: scratch(), encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe(join(root, 'workflows'));
  });

  it('writes dist/bot.mjs with its source map, and plain node runs it: without a token it says what to set', () => {
    const build = spawnSync(process.execPath, ['scripts/build-bot.mjs'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(build.status).toBe(0);
    const bundle = readFileSync(join(root, 'dist', 'bot.mjs'), 'utf8');
    expect(bundle).toMatch(/\/\/# sourceMappingURL=bot\.mjs\.map\s*$/);
    expect(existsSync(join(root, 'dist', 'bot.mjs.map'))).toBe(true);
    const run = spawnSync(process.execPath, ['--experimental-sqlite', join(root, 'dist', 'bot.mjs')], {
      cwd: scratch(),
      env: { PATH: process.env['PATH'] ?? '', HOME: scratch() },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('DISCORD_TOKEN');
  });
});
