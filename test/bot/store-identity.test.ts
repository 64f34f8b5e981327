import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandOption } from '../support/discord-standin/index.ts';
import { useBotProcesses } from './bot-process.ts';
import { BotHarness, messageJson } from './harness.ts';

/** The bot process refuses a DATA_DIR whose store went missing, instead of starting "ready" with its jobs gone. */

let h: BotHarness | null = null;
const startBotProcess = useBotProcesses();
afterEach(async () => {
  await h?.stop();
  h = null;
});

const STORE_FILES = ['comfycord.db', 'comfycord.db-wal', 'comfycord.db-shm', 'comfycord.store-id', 'comfycord.open'];

/** The store's files with a hash of their bytes (absent ones as null): any write shows. */
function storeFiles(dir: string): Record<string, string | null> {
  return Object.fromEntries(
    STORE_FILES.map((name) => {
      const path = join(dir, name);
      return [name, existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : null];
    }),
  );
}

describe('a bot on a DATA_DIR whose store went missing', () => {
  it('killed with a job on ComfyUI, its WAL deleted: the next start exits 1 saying so, changes nothing, and starts with --new-store', async () => {
    h = await BotHarness.start({ deferStart: true, comfy: { stepDelayMs: 400 } });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    await h.imagine('a lantern in fog', [commandOption.integer('steps', 40)]);
    await h.comfy.waitFor('executing-start', undefined, 10_000);
    first.child.kill('SIGKILL');
    await first.exited;
    rmSync(join(h.dataDir, 'comfycord.db-wal'));
    const before = storeFiles(h.dataDir);

    const startedAt = Date.now();
    const second = startBotProcess(h.env);
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - startedAt).toBeLessThan(10_000);
    expect(second.output()).toMatch(/comfycord\.db-wal is missing/);
    expect(second.output()).toMatch(/comfycord backup FILE/);
    expect(second.output()).toMatch(/--new-store/);
    expect(second.output()).not.toContain('comfycord ready');
    expect(storeFiles(h.dataDir)).toEqual(before);

    const third = startBotProcess(h.env, ['--new-store']);
    await third.waitForLog('comfycord ready');
    expect(third.output()).toContain('starting anyway as --new-store');
  }, 60_000);

  it('comfycord.db deleted after a graceful stop: exit 1 saying it is missing; ALLOW_NEW_STORE=1 starts a new store that works', async () => {
    h = await BotHarness.start({ deferStart: true });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    rmSync(join(h.dataDir, 'comfycord.db'));

    const second = startBotProcess(h.env);
    expect((await second.exited).code).toBe(1);
    expect(second.output()).toMatch(/its database \S*comfycord\.db is missing/);
    expect(existsSync(join(h.dataDir, 'comfycord.db'))).toBe(false);

    const third = startBotProcess({ ...h.env, ALLOW_NEW_STORE: '1' });
    await third.waitForLog('comfycord ready');
    const final = await h.waitForFinal(await h.imagine('a kite over dunes'), 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
  }, 60_000);

  it('refuses an unknown command-line option instead of ignoring it', async () => {
    h = await BotHarness.start({ deferStart: true });
    const bot = startBotProcess(h.env, ['--new-stor']);
    expect((await bot.exited).code).toBe(1);
    expect(bot.output()).toContain("unknown option '--new-stor'");
  }, 30_000);
});
