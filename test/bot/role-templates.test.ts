import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/fixtures.ts';
import { buttonInteraction, commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson, promptBodies } from './harness.ts';

/**
 * Buttons run the template of their role that the channel chose with /settings, else
 * the bot's own for the role; /settings refuses a template of another role.
 */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };
const classesOf = (graph: Record<string, { class_type: string }>): string[] => Object.values(graph).map((node) => node.class_type);

describe('a template per role, per channel', () => {
  it('Upscale runs `upscale` by default and the channel\'s upscale_template once an admin sets it', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a small house', [commandOption.string('size', '512x512')]);
    await h.waitForFinal(raw);
    const jobId = /job (\S+)/.exec(h.reply(raw)?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

    const first = buttonInteraction({ customId: `cc:upscale:${jobId}:0`, message: h.reply(raw)! });
    await h.discord.sendInteraction(first);
    await h.waitForFinal(first);
    expect(classesOf(promptBodies(h.comfy)[1]!.prompt)).not.toContain('KSampler');

    const set = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('upscale_template', 'upscale-refine')])], admin);
    expect(await h.waitForEphemeral(set)).toMatch(/upscale template \*\*upscale-refine\*\*/);
    const second = buttonInteraction({ customId: `cc:upscale:${jobId}:0`, message: h.reply(raw)! });
    await h.discord.sendInteraction(second);
    expect(messageJson(await h.waitForFinal(second)).content).toMatch(/^✅/u);
    const refine = classesOf(promptBodies(h.comfy)[2]!.prompt);
    expect(refine).toContain('ImageUpscaleWithModel');
    expect(refine).toContain('KSampler');
  });

  it('/settings refuses a template of another role for a role, naming both', async () => {
    h = await BotHarness.start();
    const wrong = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('upscale_template', 'txt2img')])], admin);
    expect(await h.waitForEphemeral(wrong)).toBe("⚠️ 'txt2img' is a generate template, not upscale");
    const show = await h.slash('settings', [commandOption.subcommand('show')], admin);
    expect(await h.waitForEphemeral(show)).toMatch(/no channel defaults/);
  });
});
