import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/fixtures.ts';
import { buttonInteraction, channelMessage, commandOption, modalSubmitInteraction, stringSelectInteraction } from '../support/discord-standin/index.ts';
import { BotHarness } from './harness.ts';

/**
 * GIVEN options Discord would never send, or values a server does not have, THEN the bot
 * refuses them as strictly as Discord would: ephemerally, before anything is queued or
 * shown publicly, naming what is wrong (and for server lists, what is close).
 */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const prompts = (harness: BotHarness) => harness.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/prompt');
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };

/** Log lines (JSON) at warn level whose message contains `text`. */
function warnLines(harness: BotHarness, text: string): Array<Record<string, unknown>> {
  return harness.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['level'] === 40 && String(entry['msg']).includes(text));
}

describe('size', () => {
  it('trailing junk after WIDTHxHEIGHT is refused, not cut off', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a fox', [commandOption.string('size', '256x256; DROP TABLE')]);
    expect(await h.waitForEphemeral(raw)).toMatch(/^⚠️ size must look like 1024x768/u);
    const preset = await h.imagine('a fox', [commandOption.string('size', 'square; DROP TABLE')]);
    expect(await h.waitForEphemeral(preset)).toMatch(/^⚠️ size must look like 1024x768/u);
    expect(prompts(h)).toEqual([]);
  });
});

describe('options with a server list', () => {
  it('a checkpoint the server does not have is refused before queueing, naming the closest it has', async () => {
    h = await BotHarness.start({ comfy: { models: { checkpoints: ['dreamshaper_8.safetensors', 'sd_xl_base_1.0.safetensors', 'juggernaut_xl.safetensors'] } } });
    const raw = await h.imagine('a fox', [commandOption.string('checkpoint', 'dreamshaper_7.safetensors')]);
    const refusal = await h.waitForEphemeral(raw);
    expect(refusal).toMatch(/^⚠️ checkpoint 'dreamshaper_7\.safetensors' is not on the server; closest: dreamshaper_8\.safetensors/u);
    expect((await h.callback(raw)).json).toMatchObject({ type: 4 });
    expect(prompts(h)).toEqual([]);
  });

  it('a mistyped sampler is refused with the samplers that look like it first', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a fox', [commandOption.string('sampler', 'eulr_ancestral')]);
    expect(await h.waitForEphemeral(raw)).toMatch(/^⚠️ sampler 'eulr_ancestral' is not on the server; closest: euler_ancestral,/u);
    expect(prompts(h)).toEqual([]);
  });

  it('a template default the server lost is refused the same way, before anything is public', async () => {
    h = await BotHarness.start({ comfy: { models: { checkpoints: ['sd_xl_base_1.1.safetensors'] } } });
    const raw = await h.imagine('a fox');
    expect(await h.waitForEphemeral(raw)).toMatch(/^⚠️ checkpoint 'sd_xl_base_1\.0\.safetensors' is not on the server; closest: sd_xl_base_1\.1\.safetensors/u);
    expect(prompts(h)).toEqual([]);
  });
});

describe('/settings validates like the command', () => {
  it('refuses an oversized size and a billion steps, and stores nothing', async () => {
    h = await BotHarness.start();
    const big = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('size', '99992x99992')])], admin);
    expect(await h.waitForEphemeral(big)).toMatch(/^⚠️ width must be between \d+ and \d+, got 99992 \(template /u);
    const steps = await h.slash('settings', [commandOption.subcommand('set', [commandOption.integer('steps', 1_000_000_000)])], admin);
    expect(await h.waitForEphemeral(steps)).toMatch(/^⚠️ steps must be between 1 and \d+, got 1000000000 \(template /u);
    const junk = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('size', '512x512 please')])], admin);
    expect(await h.waitForEphemeral(junk)).toMatch(/^⚠️ size must look like 1024x768/u);
    const show = await h.slash('settings', [commandOption.subcommand('show')], admin);
    expect(await h.waitForEphemeral(show)).toMatch(/no channel defaults/);
  });

  it('accepts values the command would accept', async () => {
    h = await BotHarness.start();
    const ok = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('size', '768x512'), commandOption.integer('steps', 2)])], admin);
    expect(await h.waitForEphemeral(ok)).toMatch(/size \*\*768x512\*\*, steps \*\*2\*\*/);
  });
});

describe('interactions the bot no longer knows', () => {
  const message = () => channelMessage({});

  it('a button, a select menu and a form with an unknown custom_id prefix get an ephemeral "no longer valid" and one warn line, no stack', async () => {
    h = await BotHarness.start({ captureLogsAt: 'info' });
    const button = buttonInteraction({ customId: 'old:thing:1', message: message() });
    await h.discord.sendInteraction(button);
    expect(await h.waitForEphemeral(button)).toMatch(/no longer valid/);
    const menu = stringSelectInteraction({ customId: 'old:menu', values: ['a'], message: message() });
    await h.discord.sendInteraction(menu);
    expect(await h.waitForEphemeral(menu)).toMatch(/no longer valid/);
    const form = modalSubmitInteraction({ customId: 'old:form:1', fields: { prompt: 'x' } });
    await h.discord.sendInteraction(form);
    expect(await h.waitForEphemeral(form)).toMatch(/no longer valid/);
    const lines = warnLines(h, 'no longer valid');
    expect(lines.map((line) => line['customId'])).toEqual(['old:thing:1', 'old:menu', 'old:form:1']);
    for (const line of lines) expect(JSON.stringify(line)).not.toMatch(/stack|\bat .*\.ts:\d+/);
    expect(prompts(h)).toEqual([]);
  });

  it('an option of the wrong type gets the same answer and a warn line without a stack, not "Something went wrong"', async () => {
    h = await BotHarness.start({ captureLogsAt: 'info' });
    const raw = await h.imagine('a fox', [commandOption.string('steps', 'many')]);
    const answer = await h.waitForEphemeral(raw);
    expect(answer).toMatch(/no longer valid/);
    expect(answer).not.toMatch(/Something went wrong/);
    const lines = warnLines(h, 'no longer valid');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ command: 'imagine' });
    expect(JSON.stringify(lines[0])).not.toMatch(/stack/);
    expect(h.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => Number(entry['level']) >= 50)).toEqual([]);
    expect(prompts(h)).toEqual([]);
  });
});
