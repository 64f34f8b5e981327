import sharp from 'sharp';
import { PermissionFlagsBits, type APIInteraction } from 'discord.js';
import { STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/fixtures.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { autocompleteInteraction, buttonInteraction, commandOption, type OptionInput } from '../support/discord-standin/index.ts';
import { EDIT_MODELS } from '../support/edit-models.ts';
import { BotHarness, buttonIds, CHECKPOINT, messageJson, promptBodies, UPSCALE_MODEL } from './harness.ts';

/**
 * /edit through the Discord and ComfyUI stand-ins: each attachment is downloaded, kept,
 * uploaded under its own name and bound to its own LoadImage in the graph ComfyUI runs;
 * an image not given leaves no LoadImage behind; Reroll sends the same images again.
 */

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

const EPHEMERAL = 64;
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };
const RED = { r: 220, g: 20, b: 20 };
const GREEN = { r: 20, g: 200, b: 40 };
const BLUE = { r: 30, g: 40, b: 210 };

const png = (colour: { r: number; g: number; b: number }, width = 96, height = 64) =>
  sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

function startWithEditModels(env: Record<string, string> = {}): Promise<BotHarness> {
  return BotHarness.start({ env, comfy: { models: { checkpoints: [CHECKPOINT], upscale_models: [UPSCALE_MODEL], ...EDIT_MODELS } } });
}

async function attach(harness: BotHarness, option: string, colour: { r: number; g: number; b: number }): Promise<OptionInput> {
  const data = await png(colour);
  return commandOption.attachment(option, harness.rest.hostAttachment({ filename: `${option}.png`, data, contentType: 'image/png' }));
}

/** The file each LoadImage of a graph reads, by node id. */
function loadImages(graph: Graph): Record<string, string> {
  return Object.fromEntries(Object.entries(graph).filter(([, node]) => node.class_type === 'LoadImage').map(([id, node]) => [id, String(node.inputs['image'])]));
}

/** The colour of an uploaded file, as ComfyUI holds it. */
async function colourOf(harness: BotHarness, name: string): Promise<{ r: number; g: number; b: number }> {
  const bytes = harness.comfy.uploads.get(name);
  if (bytes === undefined) throw new Error(`ComfyUI holds no upload named ${name}`);
  const { channels } = await sharp(bytes).stats();
  const [r, g, b] = channels.map((channel) => Math.round(channel.mean));
  return { r: r!, g: g!, b: b! };
}

const jobIdOf = (raw: APIInteraction, harness: BotHarness): string => /job (\S+)/.exec(harness.reply(raw)?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

describe('/edit end to end', () => {
  it('binds image, image2 and image3 each to its own LoadImage, with the bytes of its own attachment; the result has the usual buttons and Reroll sends the same three images', async () => {
    h = await startWithEditModels();
    const raw = await h.slash('edit', [
      commandOption.string('prompt', 'put the red one on the green one'),
      await attach(h, 'image', RED),
      await attach(h, 'image2', GREEN),
      await attach(h, 'image3', BLUE),
    ]);
    const final = await h.waitForFinal(raw);
    const json = messageJson(final);
    expect(json.content).toMatch(/^✅ Done/u);
    expect(json.embeds?.[0]?.description).toBe('put the red one on the green one');

    const graph = promptBodies(h.comfy)[0]!.prompt;
    const files = loadImages(graph);
    const jobId = jobIdOf(raw, h);
    expect(files).toEqual({ input: `comfycord-${jobId}-image.png`, input2: `comfycord-${jobId}-image2.png`, input3: `comfycord-${jobId}-image3.png` });
    expect(await colourOf(h, files['input']!)).toEqual(RED);
    expect(await colourOf(h, files['input2']!)).toEqual(GREEN);
    expect(await colourOf(h, files['input3']!)).toEqual(BLUE);
    // The references are stitched beside the image, and the instruction is the prompt.
    expect(graph['stitch2']?.inputs['image2']).toEqual(['input2', 0]);
    expect(graph['stitch3']?.inputs['image2']).toEqual(['input3', 0]);
    expect(graph['positive']?.inputs['text']).toBe('put the red one on the green one');
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/upload/image')).toHaveLength(3);

    // The usual buttons of a still result.
    expect(buttonIds(json)).toEqual([
      [`cc:reroll:${jobId}`, `cc:vary:${jobId}:0`, `cc:upscale:${jobId}:0`, `cc:delete:${jobId}`],
      ['zoom15', 'zoom2', 'zoomc', 'square', 'varyr'].map((action) => `cc:${action}:${jobId}:0`),
      ['panl', 'panr', 'panu', 'pand'].map((action) => `cc:${action}:${jobId}:0`),
    ]);

    // Reroll: a new job with a new seed, the same instruction and the same three images, each on its own LoadImage again.
    const clicked = buttonInteraction({ customId: `cc:reroll:${jobId}`, message: h.reply(raw)! });
    await h.discord.sendInteraction(clicked);
    expect(messageJson(await h.waitForFinal(clicked)).content).toMatch(/^✅ Done/u);
    const second = promptBodies(h.comfy)[1]!.prompt;
    const childId = jobIdOf(clicked, h);
    expect(childId).not.toBe(jobId);
    const rerolled = loadImages(second);
    expect(rerolled).toEqual({ input: `comfycord-${childId}-image.png`, input2: `comfycord-${childId}-image2.png`, input3: `comfycord-${childId}-image3.png` });
    for (const node of ['input', 'input2', 'input3']) {
      expect(h.comfy.uploads.get(rerolled[node]!)?.equals(h.comfy.uploads.get(files[node]!)!)).toBe(true);
    }
    expect(second['positive']?.inputs['text']).toBe('put the red one on the green one');
    expect(second['sampler']?.inputs['seed']).not.toBe(graph['sampler']?.inputs['seed']);
  });

  it('with one image: no LoadImage for image2 or image3 reaches ComfyUI; Reroll uploads the same image again', async () => {
    // A channel size default must not be pushed onto a template without width and height.
    h = await startWithEditModels();
    const set = await h.slash('settings', [commandOption.subcommand('set', [commandOption.string('size', '512x512'), commandOption.integer('steps', 6)])], admin);
    expect(await h.waitForEphemeral(set)).toMatch(/512×512|512x512/);
    const raw = await h.slash('edit', [commandOption.string('prompt', 'make it night'), await attach(h, 'image', RED), commandOption.integer('seed', 7)]);
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    const first = promptBodies(h.comfy)[0]!.prompt;
    const jobId = jobIdOf(raw, h);
    expect(loadImages(first)).toEqual({ input: `comfycord-${jobId}-image.png` });
    expect(first['stitch2']?.inputs).not.toHaveProperty('image2');
    expect(first['sampler']?.inputs).toMatchObject({ seed: 7, steps: 6 });

    const message = h.reply(raw)!;
    const reroll = `cc:reroll:${jobId}`;
    expect(buttonIds(message).flat()).toContain(reroll);
    const clicked = buttonInteraction({ customId: reroll, message });
    await h.discord.sendInteraction(clicked);
    expect(messageJson(await h.waitForFinal(clicked)).content).toMatch(/^✅ Done/u);
    const second = promptBodies(h.comfy)[1]!.prompt;
    const childId = jobIdOf(clicked, h);
    expect(childId).not.toBe(jobId);
    expect(loadImages(second)).toEqual({ input: `comfycord-${childId}-image.png` });
    const sent = (name: string) => h!.comfy.uploads.get(name);
    expect(sent(`comfycord-${childId}-image.png`)?.equals(sent(`comfycord-${jobId}-image.png`)!)).toBe(true);
    expect(second['sampler']?.inputs['seed']).not.toBe(7);
    expect(second['positive']?.inputs['text']).toBe('make it night');
  });

  it('template:edit-qwen with two images: each on its own LoadImage, linked into both Qwen-Image-Edit encoders; no image3 link left', async () => {
    h = await startWithEditModels();
    const raw = await h.slash('edit', [
      commandOption.string('prompt', 'the red one in the green room'),
      await attach(h, 'image', RED),
      await attach(h, 'image2', GREEN),
      commandOption.string('template', 'edit-qwen'),
    ]);
    expect(messageJson(await h.waitForFinal(raw)).content).toMatch(/^✅ Done/u);
    const graph = promptBodies(h.comfy)[0]!.prompt;
    const jobId = jobIdOf(raw, h);
    expect(loadImages(graph)).toEqual({ input: `comfycord-${jobId}-image.png`, input2: `comfycord-${jobId}-image2.png` });
    expect(await colourOf(h, `comfycord-${jobId}-image2.png`)).toEqual(GREEN);
    for (const encoder of ['positive', 'negative']) {
      expect(graph[encoder]?.class_type).toBe('TextEncodeQwenImageEditPlus');
      expect(graph[encoder]?.inputs['image2']).toEqual(['input2', 0]);
      expect(graph[encoder]?.inputs).not.toHaveProperty('image3');
    }
    expect(graph['positive']?.inputs['prompt']).toBe('the red one in the green room');
  });

  it("template's autocomplete offers the edit templates only", async () => {
    h = await startWithEditModels();
    const typing = autocompleteInteraction({ name: 'edit', options: [commandOption.string('prompt', 'x'), commandOption.string('template', '', { focused: true })] });
    await h.discord.sendInteraction(typing);
    const names = ((await h.callback(typing)).json as { data: { choices: Array<{ name: string }> } }).data.choices.map((choice) => choice.name);
    expect(names).toEqual(['edit', 'edit-qwen']);
  });

  it('refuses a second image that is not an image, ephemerally, before anything is downloaded or queued', async () => {
    h = await startWithEditModels();
    const pdf = h.rest.hostAttachment({ filename: 'ref.pdf', data: Buffer.from('%PDF-1.7\n1 0 obj'), contentType: 'application/pdf' });
    const raw = await h.slash('edit', [commandOption.string('prompt', 'x'), await attach(h, 'image', RED), commandOption.attachment('image2', pdf)]);
    expect(await h.waitForEphemeral(raw)).toMatch(/not an image \(application\/pdf\)/);
    expect((await h.callback(raw)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(h.rest.requests.some((r) => r.path.includes('image.png') || r.path.includes('ref.pdf'))).toBe(false);
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && (r.route === '/upload/image' || r.route === '/prompt'))).toEqual([]);
  });

  it('refuses a template of another role that takes no second image, naming the template', async () => {
    h = await startWithEditModels();
    const raw = await h.slash('edit', [
      commandOption.string('prompt', 'x'),
      await attach(h, 'image', RED),
      await attach(h, 'image2', GREEN),
      commandOption.string('template', 'img2img'),
    ]);
    expect(await h.waitForEphemeral(raw)).toMatch(/img2img/);
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && (r.route === '/upload/image' || r.route === '/prompt'))).toEqual([]);
  });
});
