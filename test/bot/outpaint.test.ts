import sharp from 'sharp';
import type { APIInteraction, APIMessage } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { BotHarness, buttonIds, messageJson, nodeOf, promptBodies } from './harness.ts';

/**
 * Zoom Out, Pan, Make Square and Custom Zoom, pressed the way Discord sends them, read
 * back from what reached ComfyUI (the uploaded image, the pads, the mask's link) and
 * from the new message (its padded size, its link to the source).
 */

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

const jobIdOf = (message: APIMessage | undefined): string => /job (\S+)/.exec(message?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';
const field = (message: APIMessage | undefined, name: string): string | undefined => message?.embeds[0]?.fields?.find((f) => f.name === name)?.value;

async function press(harness: BotHarness, raw: APIInteraction, customId: string): Promise<APIInteraction> {
  const message = harness.reply(raw);
  if (!message) throw new Error('no message to press on');
  expect(buttonIds(message).flat()).toContain(customId);
  const pressed = buttonInteraction({ customId, message });
  await harness.discord.sendInteraction(pressed);
  return pressed;
}

function padOf(harness: BotHarness, index: number): Record<string, unknown> {
  return nodeOf(promptBodies(harness.comfy)[index]!.prompt, 'ImagePadForOutpaint').inputs;
}

async function sizeOf(data: Buffer): Promise<string> {
  const { width, height } = await sharp(data).metadata();
  return `${width}×${height}`;
}

describe('outpaint buttons', () => {
  it('Zoom Out 2× on a 512×512 result: 256 on every side, the mask bound, a new message showing 1024×1024 and its source', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a cabin in the woods', [commandOption.string('size', '512x512')]);
    const parentFinal = await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));

    const zoom = await press(h, raw, `cc:zoom2:${parentId}:0`);
    expect((await h.callback(zoom)).json).toEqual({ type: 5, data: { flags: 0 } });
    expect(messageJson(await h.waitForFinal(zoom)).content).toMatch(/^✅ Done/u);

    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')!.multipart!.files[0]!;
    expect(upload.data.equals(parentFinal.files[0]!.data)).toBe(true);
    const body = promptBodies(h.comfy)[1]!;
    expect(nodeOf(body.prompt, 'LoadImage').inputs['image']).toBe(upload.filename);
    expect(padOf(h, 1)).toMatchObject({ left: 256, top: 256, right: 256, bottom: 256, feathering: 64 });
    const conditioning = nodeOf(body.prompt, 'InpaintModelConditioning').inputs;
    const padId = Object.entries(body.prompt).find(([, node]) => node.class_type === 'ImagePadForOutpaint')![0];
    expect(conditioning['mask']).toEqual([padId, 1]);
    expect(nodeOf(body.prompt, 'CLIPTextEncode').inputs['text']).toBe('a cabin in the woods');

    const reply = h.reply(zoom);
    expect(reply?.embeds[0]?.title).toMatch(/outpaint/);
    expect(field(reply, 'Size')).toBe('1024×1024');
    const parentMessage = h.reply(raw)!;
    expect(field(reply, 'From')).toBe(`Zoom Out 2× of image 1 of [job ${parentId}](https://discord.com/channels/${raw.guild_id}/${parentMessage.channel_id}/${parentMessage.id})`);
  });

  it('Pan ⬅️ and Make Square: one side by half the image; the short sides to the long one', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a long bridge', [commandOption.string('size', '768x512')]);
    await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));

    const pan = await press(h, raw, `cc:panl:${parentId}:0`);
    await h.waitForFinal(pan);
    expect(padOf(h, 1)).toMatchObject({ left: 384, top: 0, right: 0, bottom: 0 });
    expect(field(h.reply(pan), 'Size')).toBe('1152×512');
    expect(field(h.reply(pan), 'From')).toMatch(/^Pan ⬅️ of image 1 of \[job /u);

    const square = await press(h, raw, `cc:square:${parentId}:0`);
    await h.waitForFinal(square);
    expect(padOf(h, 2)).toMatchObject({ left: 0, top: 128, right: 0, bottom: 128 });
    expect(field(h.reply(square), 'Size')).toBe('768×768');
  });

  it('capped: Zoom Out 2× of 1536×1536 uploads the image shrunk to 1024×1024 so the frame is 2048×2048', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a mountain range', [commandOption.string('size', '1536x1536')]);
    await h.waitForFinal(raw);
    const zoom = await press(h, raw, `cc:zoom2:${jobIdOf(h.reply(raw))}:0`);
    await h.waitForFinal(zoom);
    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')!.multipart!.files[0]!;
    expect(await sizeOf(upload.data)).toBe('1024×1024');
    expect(padOf(h, 1)).toMatchObject({ left: 512, top: 512, right: 512, bottom: 512 });
    expect(field(h.reply(zoom), 'Size')).toBe('2048×2048');
  });

  it('Custom Zoom: a form with the prompt to edit; 1.25× pads 64 per side of 512; a zoom out of range is refused with the reason', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('a lighthouse', [commandOption.string('size', '512x512')]);
    await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));
    const custom = await press(h, raw, `cc:zoomc:${parentId}:0`);
    const form = (await h.callback(custom)).json as { type: number; data: { custom_id: string; title: string; components: Array<{ component?: { custom_id: string; value?: string } }> } };
    expect(form.type).toBe(9);
    expect(form.data.custom_id).toBe(`cczoom:${parentId}:0`);
    expect(form.data.components[0]?.component).toMatchObject({ custom_id: 'prompt', value: 'a lighthouse' });

    const bad = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a lighthouse on a cliff', zoom: '9' } });
    await h.discord.sendInteraction(bad);
    expect(await h.waitForEphemeral(bad)).toBe('⚠️ zoom must be a number above 1 and at most 4, got 9');

    const submit = modalSubmitInteraction({ customId: form.data.custom_id, fields: { prompt: 'a lighthouse on a cliff', zoom: '1.25x' } });
    await h.discord.sendInteraction(submit);
    expect(messageJson(await h.waitForFinal(submit)).content).toMatch(/^✅/u);
    expect(padOf(h, 1)).toMatchObject({ left: 64, top: 64, right: 64, bottom: 64 });
    expect(nodeOf(promptBodies(h.comfy)[1]!.prompt, 'CLIPTextEncode').inputs['text']).toBe('a lighthouse on a cliff');
    expect(field(h.reply(submit), 'Size')).toBe('640×640');
  });

  it('a batch: ✏️ 2 shows image 2\'s edit buttons to the presser alone; its Zoom Out 1.5× works on image 2', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('two kites', [commandOption.integer('count', 2), commandOption.string('size', '512x512')]);
    const parentFinal = await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));
    const rows = buttonIds(h.reply(raw)!);
    expect(rows.length).toBeLessThanOrEqual(5);
    expect(rows[3]).toEqual([`cc:edits:${parentId}:0`, `cc:edits:${parentId}:1`]);

    const edits = await press(h, raw, `cc:edits:${parentId}:1`);
    const menu = (await h.callback(edits)).json as { type: number; data: { flags: number; components: Array<{ components: Array<{ custom_id: string }> }> } };
    expect(menu.type).toBe(4);
    expect(menu.data.flags & 64).toBe(64);
    const ids = menu.data.components.flatMap((row) => row.components.map((c) => c.custom_id));
    expect(ids).toEqual(['zoom15', 'zoom2', 'zoomc', 'square', 'varyr', 'panl', 'panr', 'panu', 'pand'].map((a) => `cc:${a}:${parentId}:1`));

    const zoom = buttonInteraction({ customId: `cc:zoom15:${parentId}:1`, message: h.reply(raw)! });
    await h.discord.sendInteraction(zoom);
    await h.waitForFinal(zoom);
    const upload = h.comfy.requests.find((r) => r.route === '/upload/image')!.multipart!.files[0]!;
    expect(upload.data.equals(parentFinal.files[1]!.data)).toBe(true);
    expect(padOf(h, 1)).toMatchObject({ left: 128, top: 128, right: 128, bottom: 128 });
  });

  it('after a restart the buttons of an old message still work', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('an old photo', [commandOption.string('size', '512x512')]);
    await h.waitForFinal(raw);
    const parentId = jobIdOf(h.reply(raw));
    await h.restartBot();
    const pan = await press(h, raw, `cc:pand:${parentId}:0`);
    expect(messageJson(await h.waitForFinal(pan)).content).toMatch(/^✅/u);
    expect(padOf(h, 1)).toMatchObject({ left: 0, top: 0, right: 0, bottom: 256 });
  });
});
