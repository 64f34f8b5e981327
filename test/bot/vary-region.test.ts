import sharp from 'sharp';
import type { APIInteraction, APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson, nodeOf, promptBodies } from './harness.ts';

/**
 * Vary (Region) (issue 14.2) pressed and filled in the way Discord sends them: the button
 * on a still result opens a form with the prompt and a file upload for the mask
 * (Discord's modal component 19, inside a Label); the submit carries the picked file in
 * `resolved.attachments`. Read back from what reached ComfyUI (the parent's image and
 * the checked mask bound to the inpaint template) and from the new message.
 */

const EPHEMERAL = 64;
const jobIdOf = (message: APIMessage | undefined): string => /job (\S+)/.exec(message?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';
const field = (message: APIMessage | undefined, name: string): string | undefined => message?.embeds[0]?.fields?.find((f) => f.name === name)?.value;

interface ModalJson {
  type: number;
  data: { custom_id: string; title: string; components: Array<{ type: number; label?: string; component?: { type: number; custom_id: string; value?: string; min_values?: number; max_values?: number; required?: boolean } }> };
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 5 } });
});
afterAll(async () => {
  await h.stop();
});

async function press(raw: APIInteraction, customId: string): Promise<APIInteraction> {
  const message = h.reply(raw);
  if (!message) throw new Error('no message to press on');
  expect(buttonIds(message).flat()).toContain(customId);
  const pressed = buttonInteraction({ customId, message });
  await h.discord.sendInteraction(pressed);
  return pressed;
}

/** A black PNG with a white `box` (white = change). */
function whiteOnBlack(width: number, height: number, box: { left: number; top: number; width: number; height: number } | null): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } });
  if (box === null) return base.png().toBuffer();
  return base.composite([{ input: { create: { width: box.width, height: box.height, channels: 3, background: { r: 255, g: 255, b: 255 } } }, left: box.left, top: box.top }]).png().toBuffer();
}

/** The form's submit; `from` is the message whose button opened it, which Discord sends along (with its attachments' sizes). */
function submit(form: ModalJson, prompt: string, mask: Buffer, from?: APIMessage): APIInteraction {
  const file = h.rest.hostAttachment({ filename: 'mask.png', data: mask, contentType: 'image/png' });
  return modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt, mask: { files: [file] } }, ...(from ? { message: from } : {}) });
}

describe('Vary (Region)', () => {
  let raw: APIInteraction;
  let parentId: string;
  let parentImage: Buffer;
  beforeAll(async () => {
    raw = await h.imagine('a lighthouse at dusk', [commandOption.string('size', '512x384')]);
    parentImage = (await h.waitForFinal(raw)).files[0]!.data;
    parentId = jobIdOf(h.reply(raw));
  });

  it('sits on a one-image result within 5 rows of 5 buttons, every custom_id at most 100 characters', () => {
    const rows = buttonIds(h.reply(raw)!);
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(5);
    for (const id of rows.flat()) expect(id.length).toBeLessThanOrEqual(100);
    expect(rows[1]).toContain(`cc:varyr:${parentId}:0`);
    const rowsJson = h.reply(raw)!.components as unknown as Array<{ components: Array<{ custom_id?: string; label?: string }> }>;
    expect(rowsJson.flatMap((row) => row.components).find((c) => c.custom_id === `cc:varyr:${parentId}:0`)).toMatchObject({ label: 'Vary (Region)' });
  });

  it('opens a form with the prompt and a file upload for the mask; the submit repaints the parent image where the mask is white', async () => {
    const pressed = await press(raw, `cc:varyr:${parentId}:0`);
    const form = (await h.callback(pressed)).json as ModalJson;
    expect(form.type).toBe(9);
    expect(form.data.custom_id).toBe(`ccvaryr:${parentId}:0`);
    expect(form.data.title).toBe('Vary (Region)');
    expect(form.data.components).toHaveLength(2);
    expect(form.data.components[0]).toMatchObject({ type: 18, component: { type: 4, custom_id: 'prompt', value: 'a lighthouse at dusk' } });
    expect(form.data.components[1]).toMatchObject({ type: 18, label: 'Mask', component: { type: 19, custom_id: 'mask', min_values: 1, max_values: 1, required: true } });

    const before = promptBodies(h.comfy).length;
    // A quarter of the size, the same shape: scaled up to the parent's 512×384.
    const filled = submit(form, 'a lighthouse with a red door', await whiteOnBlack(128, 96, { left: 0, top: 48, width: 64, height: 48 }));
    await h.discord.sendInteraction(filled);
    expect((await h.callback(filled)).json).toEqual({ type: 5, data: { flags: 0 } });
    expect(messageJson(await h.waitForFinal(filled, 20_000)).content).toMatch(/^✅ Done/u);
    expect(promptBodies(h.comfy)).toHaveLength(before + 1);

    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    const image = h.comfy.uploads.get(String(nodeOf(graph, 'LoadImage').inputs['image']))!;
    const mask = h.comfy.uploads.get(String(nodeOf(graph, 'LoadImageMask').inputs['image']))!;
    expect(image.equals(parentImage)).toBe(true);
    expect(await sharp(mask).metadata()).toMatchObject({ width: 512, height: 384, channels: 1 });
    const levels = await sharp(mask).extractChannel(0).raw().toBuffer();
    expect([levels[300 * 512 + 100], levels[100 * 512 + 400]]).toEqual([255, 0]);
    expect(Object.values(graph).filter((node) => node.class_type === 'CLIPTextEncode').map((node) => node.inputs['text'])).toContain('a lighthouse with a red door');
    expect(field(h.reply(filled), 'From')).toMatch(new RegExp(`^Vary \\(Region\\) of image 1 of \\[job ${parentId}\\]`, 'u'));
  }, 30_000);

  it('refuses a mask it cannot use, privately, with the reason, and sends nothing to ComfyUI', async () => {
    const pressed = await press(raw, `cc:varyr:${parentId}:0`);
    const form = (await h.callback(pressed)).json as ModalJson;
    const before = promptBodies(h.comfy).length;
    const cases: Array<[Buffer, RegExp]> = [
      [await whiteOnBlack(512, 384, null), /^⚠️ The mask marks nothing to change\./u],
      [await whiteOnBlack(300, 300, { left: 0, top: 0, width: 20, height: 20 }), /^⚠️ The mask is 300×300 but the image is 512×384: they must have the same shape\./u],
      [await whiteOnBlack(512, 384, { left: 0, top: 0, width: 512, height: 384 }), /^⚠️ The mask covers the whole image/u],
    ];
    for (const [mask, text] of cases) {
      const filled = submit(form, 'a red door', mask);
      await h.discord.sendInteraction(filled);
      expect(await h.waitForEphemeral(filled)).toMatch(text);
      const reply = h.reply(filled);
      expect(reply === undefined || (reply.flags! & EPHEMERAL) !== 0).toBe(true);
    }
    const pdf = h.rest.hostAttachment({ filename: 'mask.pdf', data: Buffer.from('%PDF-1.7\n'), contentType: 'application/pdf' });
    const notImage = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a red door', mask: { files: [pdf] } } });
    await h.discord.sendInteraction(notImage);
    expect(await h.waitForEphemeral(notImage)).toMatch(/^⚠️ The mask is not an image \(application\/pdf\)\./u);
    const empty = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: '   ', mask: { files: [pdf] } } });
    await h.discord.sendInteraction(empty);
    expect(await h.waitForEphemeral(empty)).toMatch(/^⚠️ The prompt is empty/u);
    const noFile = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a red door', mask: { files: [] } } });
    await h.discord.sendInteraction(noFile);
    expect(await h.waitForEphemeral(noFile)).toMatch(/^⚠️ No mask came with the form/u);
    expect(promptBodies(h.comfy)).toHaveLength(before);
  }, 30_000);

  it("a mask of another shape by Discord's sizes (the mask's, and the result's on the message the form came from) is refused before deferring", async () => {
    const pressed = await press(raw, `cc:varyr:${parentId}:0`);
    const form = (await h.callback(pressed)).json as ModalJson;
    const fetches = h.rest.fetchedAttachments.length;
    const filled = submit(form, 'a red door', await whiteOnBlack(300, 300, { left: 0, top: 0, width: 20, height: 20 }), h.reply(raw));
    await h.discord.sendInteraction(filled);
    expect((await h.callback(filled)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(await h.waitForEphemeral(filled)).toMatch(/^⚠️ The mask is 300×300 but the image is 512×384: they must have the same shape\./u);
    expect(h.rest.fetchedAttachments).toHaveLength(fetches);

    // The same shape as the result passes the precheck and is used.
    const fine = submit(form, 'a red door', await whiteOnBlack(256, 192, { left: 0, top: 0, width: 64, height: 64 }), h.reply(raw));
    await h.discord.sendInteraction(fine);
    expect((await h.callback(fine)).json).toMatchObject({ type: 5 });
    expect(messageJson(await h.waitForFinal(fine, 20_000)).content).toMatch(/^✅ Done/u);
  }, 30_000);

  it('a forged form id is refused as stale', async () => {
    const forged = modalSubmitInteraction({ customId: 'ccvaryr:../../x:0', fields: { prompt: 'x', mask: { files: [] } } });
    await h.discord.sendInteraction(forged);
    expect(await h.waitForEphemeral(forged)).toMatch(/^⚠️ /u);
  });

  it("a batch: ✏️ 2 shows image 2's Vary (Region) to the presser alone, and it repaints image 2", async () => {
    const batch = await h.imagine('two kites', [commandOption.integer('count', 2), commandOption.string('size', '512x512')]);
    const final = await h.waitForFinal(batch);
    const batchId = jobIdOf(h.reply(batch));
    const edits = await press(batch, `cc:edits:${batchId}:1`);
    const menu = (await h.callback(edits)).json as { data: { flags: number; components: Array<{ components: Array<{ custom_id: string }> }> } };
    expect(menu.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const ids = menu.data.components.flatMap((row) => row.components.map((c) => c.custom_id));
    expect(ids).toContain(`cc:varyr:${batchId}:1`);

    const pressed = buttonInteraction({ customId: `cc:varyr:${batchId}:1`, message: h.reply(batch)! });
    await h.discord.sendInteraction(pressed);
    const form = (await h.callback(pressed)).json as ModalJson;
    expect(form.data.custom_id).toBe(`ccvaryr:${batchId}:1`);
    const filled = submit(form, 'a third kite', await whiteOnBlack(512, 512, { left: 0, top: 0, width: 256, height: 256 }));
    await h.discord.sendInteraction(filled);
    expect(messageJson(await h.waitForFinal(filled, 20_000)).content).toMatch(/^✅ Done/u);
    const graph = promptBodies(h.comfy).at(-1)!.prompt;
    expect(h.comfy.uploads.get(String(nodeOf(graph, 'LoadImage').inputs['image']))!.equals(final.files[1]!.data)).toBe(true);
  }, 30_000);

  it('after a restart the button of an old message still opens the form', async () => {
    await h.restartBot();
    const pressed = await press(raw, `cc:varyr:${parentId}:0`);
    expect((await h.callback(pressed)).json).toMatchObject({ type: 9, data: { custom_id: `ccvaryr:${parentId}:0` } });
  });
});
