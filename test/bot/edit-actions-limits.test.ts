import type { APIInteraction, APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, nodeOf, promptBodies } from './harness.ts';

/**
 * Issue 14.6: each edit action is a job like any other, under the presser's own limits and
 * in the fair queue. With USER_MAX_PENDING=3, a person with three edits waiting or running
 * is refused a fourth by every edit button (Zoom Out, Make Square, Pan, and the two that
 * open a form, Custom Zoom and Vary (Region), before the form), privately and at once;
 * another person's press on the same message is taken, and is served before the first
 * person's later edits (the fair queue's turns: src/jobs/fair-queue.ts). The jobs are told
 * apart by their pads in the graphs that reached ComfyUI.
 */

const EPHEMERAL = 64;
const LIMIT_TEXT = /^⚠️ You already have 3 jobs waiting or running \(the limit is 3\)\. Wait for one to finish or cancel one with \/cancel\.$/u;
const other = { id: '1290000000000000998', username: 'sculptor', global_name: 'sculptor', discriminator: '0', avatar: null };
const jobIdOf = (message: APIMessage | undefined): string => /job (\S+)/.exec(message?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 5 }, env: { USER_MAX_PENDING: '3' } });
});
afterAll(async () => {
  await h.stop();
});

async function press(message: APIMessage, customId: string, user?: typeof other): Promise<APIInteraction> {
  const pressed = buttonInteraction({ customId, message, ...(user ? { user } : {}) });
  await h.discord.sendInteraction(pressed);
  return pressed;
}

/** Presses, and waits until the new job is in line (its message says Queued or Running). */
async function pressAndQueue(message: APIMessage, customId: string, user?: typeof other): Promise<APIInteraction> {
  const pressed = await press(message, customId, user);
  expect((await h.callback(pressed)).json).toEqual({ type: 5, data: { flags: 0 } });
  await h.waitForEdit(pressed, /Queued|Running|Next/u, 20_000);
  return pressed;
}

/** Each graph's pads, in the order the graphs reached ComfyUI. */
function padsSent(since: number): string[] {
  return promptBodies(h.comfy)
    .slice(since)
    .map((body) => {
      const pad = nodeOf(body.prompt, 'ImagePadForOutpaint').inputs;
      return `${String(pad['left'])},${String(pad['top'])},${String(pad['right'])},${String(pad['bottom'])}`;
    });
}

describe('edit actions: caps and fairness', () => {
  it('a fourth edit is refused by every edit button, before any form; another person is taken and served first', async () => {
    const raw = await h.imagine('a harbour', [commandOption.string('size', '512x384')]);
    await h.waitForFinal(raw, 20_000);
    const message = h.reply(raw)!;
    const id = jobIdOf(message);
    const before = promptBodies(h.comfy).length;

    h.comfy.pause();
    const zoom2 = await pressAndQueue(message, `cc:zoom2:${id}:0`);
    const panLeft = await pressAndQueue(message, `cc:panl:${id}:0`);
    const square = await pressAndQueue(message, `cc:square:${id}:0`);

    for (const action of ['zoom15', 'square', 'panr', 'zoomc', 'varyr']) {
      const refused = await press(message, `cc:${action}:${id}:0`);
      const answer = (await h.callback(refused)).json as { type: number; data: { flags: number; content: string } };
      expect(answer.type, action).toBe(4);
      expect(answer.data.flags & EPHEMERAL, action).toBe(EPHEMERAL);
      expect(answer.data.content, action).toMatch(LIMIT_TEXT);
    }

    const theirs = await pressAndQueue(message, `cc:zoom15:${id}:0`, other);
    h.comfy.resume();
    for (const pressed of [zoom2, panLeft, square, theirs]) expect((await h.waitForFinal(pressed, 30_000)).json).toMatchObject({ content: expect.stringMatching(/^✅ Done/u) });

    // 512×384: Zoom Out 2× pads 256/192 a side, Pan ⬅️ 256 on the left, Make Square 64 top and bottom, Zoom Out 1.5× 128/96.
    // The first two were on the server (one running, one looked ahead) before the other person pressed;
    // of the two left in the bot's line, theirs goes first: first come first served would send Make Square first.
    expect(padsSent(before)).toEqual(['256,192,256,192', '256,0,0,0', '128,96,128,96', '0,64,0,64']);
  }, 90_000);
});
