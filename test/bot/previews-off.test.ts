import { afterEach, describe, expect, it } from 'vitest';
import { PermissionFlagsBits } from 'discord.js';
import { commandOption, STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/index.ts';
import { BotHarness, WAIT_MS } from './harness.ts';

const NOTICE = 'previews are off on this server: start ComfyUI with --preview-method auto';
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };

let harness: BotHarness | null = null;
afterEach(async () => {
  await harness?.stop();
  harness = null;
});

async function imagineTwice(bot: BotHarness): Promise<void> {
  for (const prompt of ['a fox', 'a heron']) {
    const raw = await bot.imagine(prompt);
    expect(JSON.stringify((await bot.waitForFinal(raw)).json)).toContain('✅');
  }
}

async function statusText(bot: BotHarness): Promise<string> {
  const raw = await bot.slash('comfy', [commandOption.subcommand('status', [])], admin);
  const edit = await bot.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(raw.token) && r.status === 200, WAIT_MS);
  return JSON.stringify(edit.json);
}

describe('previews-off notice', () => {
  it('a ComfyUI that runs the sampler without previews (0.3.64 started without --preview-method) is logged once and shown in /comfy status', async () => {
    harness = await BotHarness.start({ comfy: { launchPreviewMethod: 'none' }, captureLogsAt: 'info' });
    await imagineTwice(harness);
    const told = harness.logLines.filter((line) => line.includes(NOTICE));
    expect(told).toHaveLength(1);
    expect(JSON.parse(told[0]!)).toMatchObject({ level: 40, server: harness.comfy.url.replace(/^http:\/\//, '') });
    expect(await statusText(harness)).toContain(`⚠️ ${NOTICE}`);
  });

  it('a server that sends previews is not flagged', async () => {
    harness = await BotHarness.start({ comfy: { launchPreviewMethod: 'auto' }, captureLogsAt: 'info' });
    await imagineTwice(harness);
    expect(harness.logLines.some((line) => line.includes(NOTICE))).toBe(false);
    expect(await statusText(harness)).not.toContain(NOTICE);
  });
});
