import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, promptBodies } from '../bot/harness.ts';
import { runCli } from './run-cli.ts';

/** `comfycord backup FILE` while the bot runs, and the restore the README describes. */

let h: BotHarness | null = null;
const folders: string[] = [];
afterEach(async () => {
  await h?.stop();
  h = null;
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('comfycord backup', () => {
  it('backs up while the bot runs a job; restored after the database is lost, the bot has its jobs and delivers the running one once', async () => {
    h = await BotHarness.start({ comfy: { stepDelayMs: 150 } });
    const earlier = await h.waitForFinal(await h.imagine('a glass of water'), 15_000);
    expect(messageJson(earlier).content).toMatch(/^✅ Done/u);
    // Long enough (15 s) to be still running after the CLI, started as a process, made its copy.
    const raw = await h.imagine('a lantern in fog', [commandOption.integer('steps', 100)]);
    await h.comfy.waitFor('executing-start', undefined, 10_000);

    const work = mkdtempSync(join(tmpdir(), 'comfycord-backup-'));
    folders.push(work);
    const result = await runCli(['backup', 'copy.db'], { env: { DATA_DIR: h.dataDir }, cwd: work, timeoutMs: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Backed up store [0-9a-f-]{36}: 2 jobs, \\d+ bytes, to ${join(work, 'copy.db')}\\n$`));

    // The point of the test: the copy was made while the job ran.
    const userId = raw.member?.user.id ?? raw.user?.id ?? '';
    expect(h.bot.context.store.recentFor(userId, 10)[0]?.status).toBe('running');

    // The disaster: the bot stops and DATA_DIR's database is gone. The restore: README's steps.
    await h.bot.stop();
    for (const name of ['comfycord.db', 'comfycord.db-wal', 'comfycord.db-shm']) rmSync(join(h.dataDir, name), { force: true });
    copyFileSync(join(work, 'copy.db'), join(h.dataDir, 'comfycord.db'));
    await h.startBot();

    const final = await h.waitForFinal(raw, 60_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(promptBodies(h.comfy)).toHaveLength(2);
    // Both jobs came back with the file: the earlier one finished, the running one now too.
    expect(h.bot.context.store.recentFor(userId, 10).map((job) => job.status)).toEqual(['done', 'done']);
  }, 120_000);

  it('explains itself with --help and refuses a missing FILE or an unknown option', async () => {
    const help = await runCli(['backup', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: comfycord backup FILE/);
    expect(help.stdout).toContain('Never back up by copying comfycord.db');
    const none = await runCli(['backup']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/give exactly one FILE/);
    const unknown = await runCli(['backup', '--fast', 'x.db']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown option '--fast'/);
  }, 60_000);
});
