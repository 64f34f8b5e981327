import { afterEach, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson, nodeOf, promptBodies } from './harness.ts';

/** What outlives a restart of the bot: buttons on old messages, and jobs that were running. */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const jobIdOf = (footer: string | undefined): string => /job (\S+)/.exec(footer ?? '')?.[1] ?? '';

describe('after a restart', () => {
  it('Reroll on a message from before the restart makes a job with the same parameters', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a quiet harbour', [commandOption.integer('steps', 3), commandOption.number('cfg', 4.5)]);
    await h.waitForFinal(raw);
    const message = h.reply(raw)!;
    const parentId = jobIdOf(message.embeds[0]?.footer?.text);
    expect(buttonIds(message).flat()).toContain(`cc:reroll:${parentId}`);

    await h.restartBot();
    const click = buttonInteraction({ customId: `cc:reroll:${parentId}`, message });
    await h.discord.sendInteraction(click);
    const final = await h.waitForFinal(click);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    const [first, second] = promptBodies(h.comfy);
    const sampler = (body: typeof first) => nodeOf(body!.prompt, 'KSampler').inputs;
    expect(sampler(second).steps).toBe(3);
    expect(sampler(second).cfg).toBe(4.5);
    expect(sampler(second).seed).not.toBe(sampler(first).seed);
    expect(Object.values(second!.prompt).some((node) => node.inputs['text'] === 'a quiet harbour')).toBe(true);
  });

  it('a job running when the bot stopped is followed by the next start and delivered once', async () => {
    h = await BotHarness.start({ comfy: { stepDelayMs: 150 } });
    const raw = await h.imagine('a slow painting', [commandOption.integer('steps', 12)]);
    await h.comfy.waitFor('executing-start', undefined, 8_000);
    await h.restartBot();
    const final = await h.waitForFinal(raw, 20_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    // One prompt on ComfyUI: the new bot followed it instead of submitting it again.
    expect(promptBodies(h.comfy)).toHaveLength(1);
    const finals = h.originalEdits(raw).filter((request) => /^✅/u.test(messageJson(request).content ?? ''));
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(new Set(finals.map((request) => request.files.map((file) => file.data.length).join(','))).size).toBe(1);
  });
});
