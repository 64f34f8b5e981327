import { afterEach, describe, expect, it } from 'vitest';
import { commandOption, messageContextMenuInteraction, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { BotHarness } from './harness.ts';

/**
 * GIVEN BLOCKED_WORDS=forbiddenword,bad phrase THEN the six spellings the issue saw reach
 * ComfyUI are refused, ephemerally, in the prompt, in the negative and in the Remix form,
 * and ComfyUI never hears of them.
 */

const SIX = ['forbiddenwords', 'forb\u0456ddenword', 'forbidden\u034Fword', 'forbidden\u3164word', 'bad  phrase', 'bad\nphrase'];
const REFUSAL = /^⚠️ Your prompt contains a word this server does not allow \("(forbiddenword|bad phrase)"\)\. Please rephrase it\.$/u;

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const prompts = (harness: BotHarness) => harness.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/prompt');

describe('BLOCKED_WORDS through Discord', () => {
  it('the issue\'s six bypasses are refused in the prompt and in the negative; nothing reaches ComfyUI', async () => {
    h = await BotHarness.start({ env: { BLOCKED_WORDS: 'forbiddenword,bad phrase' } });
    for (const text of SIX) {
      const inPrompt = await h.imagine(`a castle, ${text}`);
      expect(await h.waitForEphemeral(inPrompt), JSON.stringify(text)).toMatch(REFUSAL);
      const inNegative = await h.imagine('a castle', [commandOption.string('negative', text)]);
      expect(await h.waitForEphemeral(inNegative), JSON.stringify(text)).toMatch(REFUSAL);
    }
    expect(prompts(h)).toEqual([]);
  });

  it('the Remix form\'s prompt is moderated the same way', async () => {
    h = await BotHarness.start({ env: { BLOCKED_WORDS: 'forbiddenword,bad phrase' } });
    const raw = await h.imagine('a quiet harbour');
    await h.waitForFinal(raw);
    const menu = messageContextMenuInteraction({ name: 'Remix', target: h.reply(raw)! });
    await h.discord.sendInteraction(menu);
    const form = (await h.callback(menu)).json as { data: { custom_id: string } };
    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a harbour, bad\u3000phrase', strength: '0.4' } });
    await h.discord.sendInteraction(submit);
    expect(await h.waitForEphemeral(submit)).toMatch(REFUSAL);
    expect(prompts(h)).toHaveLength(1);
  });
});
