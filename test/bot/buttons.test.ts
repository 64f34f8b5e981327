import sharp from 'sharp';
import type { APIInteraction, APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption, messageContextMenuInteraction, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson, nodeOf, promptBodies, WAIT_MS } from './harness.ts';

/**
 * The buttons under a result, and Apps → Remix, driven the way Discord does it: a
 * click is an INTERACTION_CREATE carrying the message it was on (as the REST
 * stand-in stored it), and every effect is read back from ComfyUI and Discord.
 */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const jobIdOf = (message: APIMessage | undefined): string => /job (\S+)/.exec(message?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

/** Clicks `customId` on the message `raw` answered with; returns the click. */
async function click(harness: BotHarness, raw: APIInteraction, customId: string): Promise<APIInteraction> {
  const message = harness.reply(raw);
  if (!message) throw new Error('no message to click on');
  const allIds = buttonIds(message).flat();
  expect(allIds).toContain(customId); // only buttons the message really shows
  const clicked = buttonInteraction({ customId, message });
  await harness.discord.sendInteraction(clicked);
  return clicked;
}

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function withoutSeed(graph: Graph): Graph {
  return Object.fromEntries(
    Object.entries(graph).map(([id, node]) => {
      const { seed: _seed, ...inputs } = node.inputs;
      return [id, { ...node, inputs }];
    }),
  );
}

describe('result buttons', () => {
  it('Reroll: a new public message and a job with the same parameters and a new seed', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a lighthouse at dusk', [
      commandOption.string('negative', 'people'),
      commandOption.integer('steps', 3),
      commandOption.number('cfg', 5.5),
      commandOption.string('size', '768x512'),
    ]);
    await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));

    const reroll = await click(h, raw, `cc:reroll:${parentId}`);
    expect((await h.callback(reroll)).json).toEqual({ type: 5, data: { flags: 0 } });
    const final = await h.waitForFinal(reroll);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);

    const [first, second] = promptBodies(h.comfy);
    expect(second).toBeDefined();
    expect(withoutSeed(second!.prompt)).toEqual(withoutSeed(first!.prompt));
    const seeds = [first!, second!].map((body) => nodeOf(body.prompt, 'KSampler').inputs['seed']);
    expect(typeof seeds[1]).toBe('number');
    expect(seeds[1]).not.toBe(seeds[0]);
    const childId = jobIdOf(h.reply(reroll));
    expect(childId).not.toBe(parentId);
    expect(h.reply(reroll)?.embeds[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe(`\`${String(seeds[1])}\``);
    // The parent's message is left as it was.
    expect(jobIdOf(h.reply(raw))).toBe(parentId);
    expect(h.reply(raw)?.attachments).toHaveLength(1);
  });

  it('V2 on a batch: img2img on the second image, whose exact bytes ComfyUI receives', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('two boats', [commandOption.integer('count', 2), commandOption.string('size', '512x512')]);
    const parentFinal = await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));

    const vary = await click(h, raw, `cc:vary:${parentId}:1`);
    await h.waitForFinal(vary);

    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')?.multipart?.files[0];
    expect(upload?.data.equals(parentFinal.files[1]!.data)).toBe(true);
    const body = promptBodies(h.comfy)[1]!;
    expect(nodeOf(body.prompt, 'LoadImage').inputs['image']).toBe(upload?.filename);
    expect(nodeOf(body.prompt, 'KSampler').inputs['denoise']).toBe(0.55);
    expect(nodeOf(body.prompt, 'CLIPTextEncode').inputs['text']).toBe('two boats');
    expect(h.reply(vary)?.embeds[0]?.title).toMatch(/img2img/);
  });

  it('Upscale: the upscale template on the image, delivered under the new message', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a small house', [commandOption.string('size', '512x512')]);
    const parentFinal = await h.waitForFinal(raw);
    const upscale = await click(h, raw, `cc:upscale:${jobIdOf(h.reply(raw))}:0`);
    const final = await h.waitForFinal(upscale);

    expect(messageJson(final).content).toMatch(/^✅/u);
    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')?.multipart?.files[0];
    expect(upload?.data.equals(parentFinal.files[0]!.data)).toBe(true);
    expect(Object.values(promptBodies(h.comfy)[1]!.prompt).map((node) => node.class_type)).toContain('ImageUpscaleWithModel');
  });

  it('Cancel while running: the job stops on ComfyUI and its message says so', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raw = await h.imagine('never mind', [commandOption.integer('steps', 5)]);
    await h.comfy.waitFor('executing-start', () => true, WAIT_MS);
    h.comfy.step(1);
    await h.waitForEdit(raw, /step 1\/5/);
    const cancel = await click(h, raw, `cc:cancel:${jobIdOf(h.reply(raw))}`);
    expect((await h.callback(cancel)).json).toMatchObject({ type: 4, data: { flags: 64 } });
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toBe('🚫 Cancelled');
    expect(h.comfy.requests.some((r) => r.method === 'POST' && (r.route === '/interrupt' || r.route === '/queue'))).toBe(true);
  });

  it('Delete: the requester removes the result message', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a mistake');
    await h.waitForFinal(raw);
    const messageId = h.reply(raw)!.id;
    const del = await click(h, raw, `cc:delete:${jobIdOf(h.reply(raw))}`);
    await h.rest.waitForRequest((r) => r.method === 'DELETE' && r.route.includes(del.token) && r.status === 204, WAIT_MS);
    expect(h.rest.message(messageId)).toBeUndefined();
  });

  it('Delete by someone else: refused, ephemerally, and the message stays', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('mine, not yours');
    await h.waitForFinal(raw);
    const message = h.reply(raw)!;
    const stranger = { id: '1290000000000000888', username: 'stranger', global_name: 'stranger', discriminator: '0', avatar: null };
    const del = buttonInteraction({ customId: `cc:delete:${jobIdOf(message)}`, message, user: stranger, memberPermissions: 0n });
    await h.discord.sendInteraction(del);
    expect(await h.waitForEphemeral(del)).toMatch(/belongs to someone else/);
    expect(h.rest.message(message.id)).toBeDefined();
  });
});

describe('Apps → Remix', () => {
  it('opens a form prefilled with the prompt, then runs img2img on the message\'s image', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a quiet harbour', [commandOption.string('size', '512x512')]);
    const parentFinal = await h.waitForFinal(raw);

    const menu = messageContextMenuInteraction({ name: 'Remix', target: h.reply(raw)! });
    await h.discord.sendInteraction(menu);
    const modal = await h.callback(menu);
    expect(modal.json).toMatchObject({ type: 9, data: { title: 'Remix this image' } });
    const form = modal.json as { data: { custom_id: string; components: Array<{ component?: { custom_id: string; value?: string } }> } };
    expect(form.data.components[0]?.component).toMatchObject({ custom_id: 'prompt', value: 'a quiet harbour' });

    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a stormy harbour', strength: '0.4' } });
    await h.discord.sendInteraction(submit);
    const final = await h.waitForFinal(submit);
    expect(messageJson(final).content).toMatch(/^✅/u);

    const body = promptBodies(h.comfy)[1]!;
    expect(nodeOf(body.prompt, 'CLIPTextEncode').inputs['text']).toBe('a stormy harbour');
    expect(nodeOf(body.prompt, 'KSampler').inputs['denoise']).toBe(0.4);
    // The image came from the message on Discord's CDN, normalised (same pixels as the result).
    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')!.multipart!.files[0]!;
    const [sent, original] = await Promise.all([sharp(upload.data).raw().toBuffer(), sharp(parentFinal.files[0]!.data).raw().toBuffer()]);
    expect(sent.equals(original)).toBe(true);
  });
});
