import sharp from 'sharp';
import type { APIAttachment, APIInteraction } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson, nodeOf, promptBodies } from './harness.ts';

/**
 * /inpaint image mask prompt (issue 14.2) through the ComfyUI and Discord stand-ins: both
 * files uploaded to ComfyUI, the image bound to the inpaint template's LoadImage and the
 * checked mask (one channel, the image's size) to its LoadImageMask; a mask that cannot
 * be used refused privately with its reason, before anything reaches ComfyUI.
 */

const EPHEMERAL = 64;
type Box = { left: number; top: number; width: number; height: number };

/** A 96×64 photo-like PNG: green, with a blue band. */
function photo(): Promise<Buffer> {
  const band = { input: { create: { width: 96, height: 16, channels: 3 as const, background: { r: 20, g: 40, b: 220 } } }, left: 0, top: 24 };
  return sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 30, g: 180, b: 60 } } }).composite([band]).png().toBuffer();
}

/** A black PNG with a white `box` (white = change). */
function whiteOnBlack(width: number, height: number, box: Box | null): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } });
  if (box === null) return base.png().toBuffer();
  return base.composite([{ input: { create: { width: box.width, height: box.height, channels: 3, background: { r: 255, g: 255, b: 255 } } }, left: box.left, top: box.top }]).png().toBuffer();
}

/** The attachment as Discord sends it for a file it could not measure (no width, no height). */
function withoutSizes(attachment: APIAttachment): APIAttachment {
  const copy = { ...attachment };
  delete copy.width;
  delete copy.height;
  return copy;
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 5 } });
});
afterAll(async () => {
  await h.stop();
});

const uploadsSoFar = () => h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/upload/image').length;

function inpaint(image: { data: Buffer; filename?: string; contentType?: string }, mask: { data: Buffer; filename?: string; contentType?: string }, extra: Parameters<BotHarness['slash']>[1] = []): Promise<APIInteraction> {
  const file = (f: typeof image, name: string) => h.rest.hostAttachment({ filename: f.filename ?? name, data: f.data, contentType: f.contentType ?? 'image/png' });
  return h.slash('inpaint', [
    commandOption.attachment('image', file(image, 'photo.png')),
    commandOption.attachment('mask', file(mask, 'mask.png')),
    commandOption.string('prompt', 'a red door'),
    ...extra,
  ]);
}

describe('/inpaint end to end', () => {
  it('uploads the image and the checked mask and binds each to its loader in the inpaint graph', async () => {
    const image = await photo();
    // Half the size, the same shape: scaled up to the image's 96×64.
    const mask = await whiteOnBlack(48, 32, { left: 24, top: 0, width: 24, height: 32 });
    const before = uploadsSoFar();
    const raw = await inpaint({ data: image }, { data: mask }, [commandOption.integer('grow', 4), commandOption.integer('seed', 7)]);
    const final = await h.waitForFinal(raw, 20_000);
    const json = messageJson(final);
    expect(json.content, JSON.stringify(json)).toMatch(/^✅ Done/u);
    expect(uploadsSoFar()).toBe(before + 2);

    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    const [imageId] = Object.entries(graph).find(([, node]) => node.class_type === 'LoadImage')!;
    const [maskId, maskNode] = Object.entries(graph).find(([, node]) => node.class_type === 'LoadImageMask')!;
    const sentImage = h.comfy.uploads.get(String(graph[imageId]!.inputs['image']))!;
    const sentMask = h.comfy.uploads.get(String(maskNode.inputs['image']))!;
    expect(await sharp(sentImage).metadata()).toMatchObject({ format: 'png', width: 96, height: 64 });
    expect(await sharp(sentMask).metadata()).toMatchObject({ format: 'png', width: 96, height: 64, channels: 1 });
    const levels = await sharp(sentMask).extractChannel(0).raw().toBuffer();
    expect(levels[32 * 96 + 72]).toBe(255);
    expect(levels[32 * 96 + 10]).toBe(0);
    expect(maskNode.inputs['channel']).toBe('red');

    // The mask is grown, feathered and handed to the inpaint conditioning with the image.
    const grow = nodeOf(graph, 'GrowMask').inputs;
    expect(grow['mask']).toEqual([maskId, 0]);
    expect(grow['expand']).toBe(4);
    expect(nodeOf(graph, 'ImageBlur').inputs['blur_radius']).toBe(8);
    expect(nodeOf(graph, 'InpaintModelConditioning').inputs['pixels']).toEqual([imageId, 0]);
    expect(nodeOf(graph, 'KSampler').inputs['seed']).toBe(7);
    expect(Object.values(graph).filter((node) => node.class_type === 'CLIPTextEncode').map((node) => node.inputs['text'])).toContain('a red door');
  }, 30_000);

  it('Reroll repaints the same image with the same mask and a new seed', async () => {
    const raw = await inpaint({ data: await photo() }, { data: await whiteOnBlack(96, 64, { left: 0, top: 0, width: 40, height: 64 }) });
    await h.waitForFinal(raw, 20_000);
    const first = promptBodies(h.comfy).at(-1)!.prompt;
    const message = h.reply(raw)!;
    const reroll = buttonIds(message).flat().find((id) => id.startsWith('cc:reroll:'))!;
    const clicked = buttonInteraction({ customId: reroll, message });
    await h.discord.sendInteraction(clicked);
    expect(messageJson(await h.waitForFinal(clicked, 20_000)).content).toMatch(/^✅ Done/u);
    const second = promptBodies(h.comfy).at(-1)!.prompt;
    const sent = (graph: typeof first, cls: string) => h.comfy.uploads.get(String(nodeOf(graph, cls).inputs['image']))!;
    expect(sent(second, 'LoadImage').equals(sent(first, 'LoadImage'))).toBe(true);
    expect(sent(second, 'LoadImageMask').equals(sent(first, 'LoadImageMask'))).toBe(true);
    expect(nodeOf(second, 'KSampler').inputs['seed']).not.toBe(nodeOf(first, 'KSampler').inputs['seed']);
  }, 40_000);

  it('takes a PNG whose erased (transparent) pixels mark the region', async () => {
    const { data } = await sharp({ create: { width: 96, height: 64, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 1 } } }).raw().toBuffer({ resolveWithObject: true });
    for (let y = 0; y < 20; y += 1) for (let x = 0; x < 30; x += 1) data[(y * 96 + x) * 4 + 3] = 0;
    const erased = await sharp(data, { raw: { width: 96, height: 64, channels: 4 } }).png().toBuffer();
    const raw = await inpaint({ data: await photo() }, { data: erased });
    expect(messageJson(await h.waitForFinal(raw, 20_000)).content).toMatch(/^✅ Done/u);
    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    const levels = await sharp(h.comfy.uploads.get(String(nodeOf(graph, 'LoadImageMask').inputs['image']))).extractChannel(0).raw().toBuffer();
    expect([levels[10 * 96 + 10], levels[50 * 96 + 80]]).toEqual([255, 0]);
  }, 30_000);
});

describe('/inpaint refuses a mask it cannot use, privately, with the reason', () => {
  async function expectRefused(raw: APIInteraction, text: RegExp): Promise<string> {
    const message = await h.waitForEphemeral(raw);
    expect(message).toMatch(text);
    const reply = h.reply(raw);
    expect(reply === undefined || (reply.flags! & EPHEMERAL) !== 0).toBe(true);
    return message;
  }

  it.each([
    ['empty (all black)', () => whiteOnBlack(96, 64, null), /^⚠️ The mask marks nothing to change\. Paint the part to change white on black \(or erase it to transparent\) on a copy of the image\.$/u],
    ['full (all white)', () => whiteOnBlack(96, 64, { left: 0, top: 0, width: 96, height: 64 }), /^⚠️ The mask covers the whole image: leave some of it unmarked/u],
    ['of another shape', () => whiteOnBlack(64, 64, { left: 0, top: 0, width: 10, height: 10 }), /^⚠️ The mask is 64×64 but the image is 96×64: they must have the same shape\./u],
    ['not decodable', async () => Buffer.from('these are words, not the pixels of a mask'.repeat(4)), /^⚠️ The mask could not be read as an image/u],
  ])('%s', async (_name, makeMask, text) => {
    const prompts = promptBodies(h.comfy).length;
    const uploads = uploadsSoFar();
    const raw = await inpaint({ data: await photo() }, { data: await makeMask() });
    await expectRefused(raw, text);
    expect(promptBodies(h.comfy)).toHaveLength(prompts);
    expect(uploadsSoFar()).toBe(uploads);
  });

  it('a mask that is not an image file by its type is refused before anything is fetched, naming the mask', async () => {
    const raw = await inpaint({ data: await photo() }, { data: Buffer.from('%PDF-1.7\n'), filename: 'mask.pdf', contentType: 'application/pdf' });
    expect((await h.callback(raw)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    await expectRefused(raw, /^⚠️ The mask is not an image \(application\/pdf\)\./u);
  });

  it("a mask of another shape by the sizes Discord gives is refused before deferring, and nothing is fetched", async () => {
    const fetches = h.rest.fetchedAttachments.length;
    const raw = await inpaint({ data: await photo() }, { data: await whiteOnBlack(64, 64, { left: 0, top: 0, width: 10, height: 10 }) });
    expect((await h.callback(raw)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    await expectRefused(raw, /^⚠️ The mask is 64×64 but the image is 96×64: they must have the same shape\./u);
    expect(h.rest.fetchedAttachments).toHaveLength(fetches);
  });

  it('the same shape turned a quarter (a photo rotated by its EXIF tag) is left to the check after download', async () => {
    // Discord may give a photo's stored width and height rather than its upright ones.
    const mask = h.rest.hostAttachment({ filename: 'mask.png', data: await whiteOnBlack(64, 96, { left: 0, top: 0, width: 10, height: 10 }), contentType: 'image/png' });
    const raw = await h.slash('inpaint', [
      commandOption.attachment('image', h.rest.hostAttachment({ filename: 'photo.png', data: await photo(), contentType: 'image/png' })),
      commandOption.attachment('mask', mask),
      commandOption.string('prompt', 'a red door'),
    ]);
    expect((await h.callback(raw)).json).toMatchObject({ type: 5 });
    await expectRefused(raw, /^⚠️ The mask is 64×96 but the image is 96×64/u);
  });

  it.each([
    ['gives no sizes', withoutSizes],
    ['gives sizes of the right shape but the bytes are another (its sizes are untrusted)', (a: APIAttachment): APIAttachment => ({ ...a, width: 48, height: 32 })],
  ])('where Discord %s, the mask is still checked after download', async (_name, told) => {
    const prompts = promptBodies(h.comfy).length;
    const mask = h.rest.hostAttachment({ filename: 'mask.png', data: await whiteOnBlack(64, 64, { left: 0, top: 0, width: 10, height: 10 }), contentType: 'image/png' });
    const raw = await h.slash('inpaint', [
      commandOption.attachment('image', h.rest.hostAttachment({ filename: 'photo.png', data: await photo(), contentType: 'image/png' })),
      commandOption.attachment('mask', told(mask)),
      commandOption.string('prompt', 'a red door'),
    ]);
    expect((await h.callback(raw)).json).toMatchObject({ type: 5 });
    await expectRefused(raw, /^⚠️ The mask is 64×64 but the image is 96×64: they must have the same shape\./u);
    expect(promptBodies(h.comfy)).toHaveLength(prompts);
  });

  it('refuses a template of another role', async () => {
    const raw = await inpaint({ data: await photo() }, { data: await whiteOnBlack(96, 64, { left: 0, top: 0, width: 10, height: 10 }) }, [commandOption.string('template', 'txt2img')]);
    await expectRefused(raw, /\/inpaint needs an inpaint template; 'txt2img' is a generate template/u);
  });
});
