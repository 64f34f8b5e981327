import { afterEach, describe, expect, it } from 'vitest';
import { commandOption } from '../support/discord-standin/index.ts';
import { useBotProcesses } from './bot-process.ts';
import { BotHarness, messageJson, promptBodies } from './harness.ts';

/** The bot as users run it: `node … src/bot.ts` in a process of its own, signalled and killed. */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});
// Registered after the harness's hook: after-hooks run in reverse, so the bot processes are killed before the harness stops.
const startBotProcess = useBotProcesses();

describe('the bot process', () => {
  it('exits within 10 s of SIGTERM, and a job killed mid-run with SIGKILL is delivered once by the next start', async () => {
    h = await BotHarness.start({ deferStart: true, comfy: { stepDelayMs: 120 } });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    const raw = await h.imagine('a lantern in fog', [commandOption.integer('steps', 15)]);
    await h.comfy.waitFor('executing-start', undefined, 10_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startBotProcess(h.env);
    await second.waitForLog('comfycord ready');
    const final = await h.waitForFinal(raw, 30_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(final.files.length).toBeGreaterThan(0);
    expect(promptBodies(h.comfy)).toHaveLength(1);

    const signalledAt = Date.now();
    second.child.kill('SIGTERM');
    const exit = await second.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(second.output()).toContain('shutting down');
    expect(second.output()).not.toContain(h.env['DISCORD_TOKEN']!);
  }, 60_000);
});
