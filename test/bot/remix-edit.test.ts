import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { channelMessage, messageContextMenuInteraction, modalSubmitInteraction } from '../support/discord-standin/index.ts';
import { EDIT_MODELS } from '../support/edit-models.ts';
import { BotHarness, CHECKPOINT, messageJson, promptBodies, UPSCALE_MODEL } from './harness.ts';

/**
 * Apps → Remix → "Edit": the Remix form's Mode select turns the form into an instruction
 * edit of the message's images (up to three: the first is the image, the others image2 and
 * image3), through the channel's edit template, against the Discord and ComfyUI stand-ins.
 */

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;
type Colour = { r: number; g: number; b: number };

const RED = { r: 220, g: 20, b: 20 };
const GREEN = { r: 20, g: 200, b: 40 };

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

async function hosted(harness: BotHarness, filename: string, colour: Colour) {
  const data = await sharp({ create: { width: 80, height: 64, channels: 3, background: colour } }).png().toBuffer();
  return harness.rest.hostAttachment({ filename, data, contentType: 'image/png' });
}

async function colourOf(harness: BotHarness, name: unknown): Promise<Colour> {
  const bytes = harness.comfy.uploads.get(String(name));
  if (bytes === undefined) throw new Error(`ComfyUI holds no upload named ${String(name)}`);
  const [r, g, b] = (await sharp(bytes).stats()).channels.map((channel) => Math.round(channel.mean));
  return { r: r!, g: g!, b: b! };
}

interface Form {
  custom_id: string;
  components: Array<{ label?: string; component?: { type: number; custom_id: string; options?: Array<{ value: string; label: string; default?: boolean }> } }>;
}

describe('Apps → Remix → Edit', () => {
  it('the form offers Remix and Edit; Edit runs the edit template on both images of the message, each on its own LoadImage', async () => {
    h = await BotHarness.start({ comfy: { models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL], ...EDIT_MODELS } } });
    const target = channelMessage({ attachments: [await hosted(h, 'cat.png', RED), await hosted(h, 'hat.png', GREEN)] });
    const menu = messageContextMenuInteraction({ name: 'Remix', target });
    await h.discord.sendInteraction(menu);
    const form = ((await h.callback(menu)).json as { data: Form }).data;
    const mode = form.components.find((row) => row.component?.custom_id === 'mode')?.component;
    expect(mode?.type).toBe(3);
    // The shipped workflows/ have an animate template too, so Animate (issue 13.3) is offered after Edit.
    expect(mode?.options?.map((option) => option.value)).toEqual(['remix', 'edit', 'animate']);
    expect(mode?.options?.find((option) => option.default)?.value).toBe('remix');

    const submit = modalSubmitInteraction({ customId: form.custom_id, fields: { prompt: 'the cat wears the hat', strength: '0.4' }, selects: { mode: ['edit'] } });
    await h.discord.sendInteraction(submit);
    const final = await h.waitForFinal(submit);
    const json = messageJson(final);
    expect(json.content).toMatch(/^✅ Done/u);
    expect(json.embeds?.[0]?.title).toContain('edit');

    const graph = promptBodies(h.comfy)[0]!.prompt as Graph;
    const loads = Object.keys(graph).filter((id) => graph[id]?.class_type === 'LoadImage').sort();
    expect(loads).toEqual(['input', 'input2']);
    expect(await colourOf(h, graph['input']?.inputs['image'])).toEqual(RED);
    expect(await colourOf(h, graph['input2']?.inputs['image'])).toEqual(GREEN);
    expect(graph['positive']?.inputs['text']).toBe('the cat wears the hat');
    // Strength is Remix's (img2img denoise): an edit template has none, and it is not sent.
    expect(graph['sampler']?.inputs['denoise']).toBe(1);
  });

  it('the Remix mode (the default) still runs img2img on the first image only', async () => {
    h = await BotHarness.start({ comfy: { models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL], ...EDIT_MODELS } } });
    const target = channelMessage({ attachments: [await hosted(h, 'cat.png', RED), await hosted(h, 'hat.png', GREEN)] });
    const menu = messageContextMenuInteraction({ name: 'Remix', target });
    await h.discord.sendInteraction(menu);
    const form = ((await h.callback(menu)).json as { data: Form }).data;
    const submit = modalSubmitInteraction({ customId: form.custom_id, fields: { prompt: 'as a watercolour', strength: '0.4' }, selects: { mode: ['remix'] } });
    await h.discord.sendInteraction(submit);
    expect(messageJson(await h.waitForFinal(submit)).content).toMatch(/^✅ Done/u);
    const graph = promptBodies(h.comfy)[0]!.prompt as Graph;
    const loads = Object.values(graph).filter((node) => node.class_type === 'LoadImage');
    expect(loads).toHaveLength(1);
    expect(await colourOf(h, loads[0]?.inputs['image'])).toEqual(RED);
    expect(Object.values(graph).find((node) => node.class_type === 'KSampler')?.inputs['denoise']).toBe(0.4);
  });
});
