import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { autocompleteInteraction, commandOption } from '../support/discord-standin/index.ts';
import { snowflakeTime } from '../support/discord-standin/snowflakes.ts';
import { BotHarness, buttonIds, CHECKPOINT, messageJson, nodeOf, promptBodies, WAIT_MS } from './harness.ts';

let h: BotHarness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** The bytes ComfyUI served for each GET /view the bot made, in request order. */
function servedImages(harness: BotHarness): Buffer[] {
  return harness.comfy.requests
    .filter((r) => r.method === 'GET' && r.route === '/view')
    .map((r) => {
      const key = r.query['subfolder'] ? `${r.query['subfolder']}/${r.query['filename']}` : (r.query['filename'] ?? '');
      const data = harness.comfy.outputs.get(key);
      if (!data) throw new Error(`ComfyUI has no output ${key}`);
      return data;
    });
}

const jobIdOf = (footer: string | undefined): string => /job (\S+)/.exec(footer ?? '')?.[1] ?? '';

describe('/imagine end to end', () => {
  it('defers within 3 s, edits progress in order, delivers the exact PNG ComfyUI made, with its buttons', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true } });
    const raw = await h.imagine('a red fox in the snow', [commandOption.integer('steps', 4)]);

    const ack = await h.callback(raw);
    expect(ack.json).toEqual({ type: 5, data: { flags: 0 } }); // public "thinking…"
    expect(ack.status).toBe(204);
    expect(ack.at - snowflakeTime(raw.id)).toBeLessThan(3000);

    // Step ComfyUI's sampler one step at a time; each step shows up in an edit before the next.
    // (The last step is followed at once by the result, which rightly replaces it.)
    await h.comfy.waitFor('executing-start', () => true, WAIT_MS);
    for (let step = 1; step <= 3; step += 1) {
      h.comfy.step(1);
      await h.waitForEdit(raw, new RegExp(`step ${step}/4`));
    }
    h.comfy.step(1);
    const final = await h.waitForFinal(raw);

    const shown = h.originalEdits(raw).filter((r) => r.status === 200).map((r) => messageJson(r).content ?? '');
    expect(shown[0]).toMatch(/^⏳ Queued/u);
    expect(shown.at(-1)).toMatch(/^✅ Done in \d+ s$/u);
    const steps = shown.flatMap((text) => /step (\d+)\/4/.exec(text)?.[1] ?? []).map(Number);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(new Set(steps)).toEqual(new Set([1, 2, 3]));
    const percents = shown.flatMap((text) => /` (\d+)%/.exec(text)?.[1] ?? []).map(Number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    // Running states never come after the final one, queued ones never after running ones.
    const phase = (text: string) => (text.startsWith('⏳') ? 0 : text.startsWith('✅') ? 2 : 1);
    expect(shown.map(phase)).toEqual(shown.map(phase).sort());

    // A live preview was attached while running, as a JPEG, and is gone from the final message.
    const previews = h.originalEdits(raw).flatMap((r) => r.files).filter((f) => f.filename === 'preview.jpg');
    expect(previews.length).toBeGreaterThan(0);
    expect(previews[0]?.data.subarray(0, 3).toString('hex')).toBe('ffd8ff');

    // The final edit uploads exactly what ComfyUI served for the job's output.
    const served = servedImages(h);
    expect(served).toHaveLength(1);
    const json = messageJson(final);
    const jobId = jobIdOf(json.embeds?.[0]?.footer?.text);
    expect(final.files).toHaveLength(1);
    expect(final.files[0]?.filename).toBe(`${jobId}-1.png`);
    expect(final.files[0]?.data.equals(served[0]!)).toBe(true);
    expect(json.embeds?.[0]?.image?.url).toBe(`attachment://${jobId}-1.png`);
    expect(json.embeds?.[0]?.description).toBe('a red fox in the snow');
    expect(buttonIds(json)).toEqual([
      [`cc:reroll:${jobId}`, `cc:vary:${jobId}:0`, `cc:upscale:${jobId}:0`, `cc:delete:${jobId}`],
      ['zoom15', 'zoom2', 'zoomc', 'square', 'varyr'].map((action) => `cc:${action}:${jobId}:0`),
      ['panl', 'panr', 'panu', 'pand'].map((action) => `cc:${action}:${jobId}:0`),
    ]);

    // What the channel now shows: only the result, byte for byte, on Discord's "CDN".
    const message = h.reply(raw);
    expect(message?.attachments.map((a) => a.filename)).toEqual([`${jobId}-1.png`]);
    const cdn = Buffer.from(await (await fetch(message!.attachments[0]!.url)).arrayBuffer());
    expect(cdn.equals(served[0]!)).toBe(true);

    // What ComfyUI was asked to do: the user's prompt and steps, with a concrete seed shown in the embed.
    const [body] = promptBodies(h.comfy);
    const sampler = nodeOf(body!.prompt, 'KSampler');
    expect(sampler.inputs['steps']).toBe(4);
    expect(nodeOf(body!.prompt, 'CLIPTextEncode').inputs['text']).toBe('a red fox in the snow');
    expect(json.embeds?.[0]?.fields?.find((f) => f.name === 'Seed')?.value).toBe(`\`${String(sampler.inputs['seed'])}\``);
  });

  it('count 2: one file per image plus a grid shown in the embed, and buttons for each image', async () => {
    h = await BotHarness.start();
    const raw = await h.imagine('two cats', [commandOption.integer('count', 2), commandOption.string('size', '512x512')]);
    const final = await h.waitForFinal(raw);

    const json = messageJson(final);
    const jobId = jobIdOf(json.embeds?.[0]?.footer?.text);
    const served = servedImages(h);
    expect(served).toHaveLength(2);
    expect(final.files.map((f) => f.filename)).toEqual([`${jobId}-1.png`, `${jobId}-2.png`, `${jobId}-grid.jpg`]);
    expect(final.files[0]?.data.equals(served[0]!)).toBe(true);
    expect(final.files[1]?.data.equals(served[1]!)).toBe(true);
    expect(served[0]!.equals(served[1]!)).toBe(false);
    const grid = await sharp(final.files[2]!.data).metadata();
    expect(grid.format).toBe('jpeg');
    expect(grid.width).toBeGreaterThan(512);
    expect(json.embeds?.[0]?.image?.url).toBe(`attachment://${jobId}-grid.jpg`);
    expect(json.embeds?.[0]?.fields?.find((f) => f.name === 'Count')?.value).toBe('2');
    expect(buttonIds(json)).toEqual([
      [`cc:reroll:${jobId}`, `cc:delete:${jobId}`],
      [`cc:upscale:${jobId}:0`, `cc:upscale:${jobId}:1`],
      [`cc:vary:${jobId}:0`, `cc:vary:${jobId}:1`],
      [`cc:edits:${jobId}:0`, `cc:edits:${jobId}:1`],
    ]);
    expect(json.components?.[1]?.components.map((b) => b.label)).toEqual(['U1', 'U2']);
    expect(nodeOf(promptBodies(h.comfy)[0]!.prompt, 'EmptyLatentImage').inputs).toMatchObject({ batch_size: 2, width: 512, height: 512 });
    expect(h.reply(raw)?.attachments).toHaveLength(3);
  });

  it('re-encodes a result over the interaction upload limit to fit under it', async () => {
    const limit = 20_000;
    h = await BotHarness.start();
    const raw = await h.imagine('a big plain square', [commandOption.string('size', '1536x1536')], { attachmentSizeLimit: limit });
    const final = await h.waitForFinal(raw);

    const [original] = servedImages(h);
    expect(original!.length).toBeGreaterThan(limit); // the test means something only if ComfyUI's PNG is over
    expect(final.files).toHaveLength(1);
    const delivered = final.files[0]!;
    expect(delivered.data.length).toBeLessThanOrEqual(limit);
    expect(delivered.filename).toMatch(/-1\.(webp|jpg)$/);
    const [before, after] = await Promise.all([sharp(original).stats(), sharp(delivered.data).stats()]);
    const [metaBefore, metaAfter] = await Promise.all([sharp(original).metadata(), sharp(delivered.data).metadata()]);
    expect(metaAfter.format).toMatch(/webp|jpeg/);
    expect(metaAfter.width / metaAfter.height).toBeCloseTo(metaBefore.width / metaBefore.height, 2);
    // Same picture: every channel's mean within a few levels.
    for (const [index, channel] of before.channels.slice(0, 3).entries()) {
      expect(Math.abs(channel.mean - after.channels[index]!.mean)).toBeLessThan(4);
    }
    expect(messageJson(final).embeds?.[0]?.image?.url).toBe(`attachment://${delivered.filename}`);
    expect(h.reply(raw)?.attachments[0]?.size).toBe(delivered.data.length);
  });

  it('autocomplete answers within 3 s from what the server has: checkpoints and templates', async () => {
    h = await BotHarness.start();
    await h.bot.context.choices.get('CheckpointLoaderSimple', 'ckpt_name'); // the cache the bot warms at start
    const typing = autocompleteInteraction({
      name: 'imagine',
      options: [commandOption.string('prompt', 'a fox'), commandOption.string('checkpoint', 'XL_b', { focused: true })],
    });
    await h.discord.sendInteraction(typing);
    const answer = await h.callback(typing);
    expect(answer.json).toEqual({ type: 8, data: { choices: [{ name: CHECKPOINT, value: CHECKPOINT }] } });
    expect(answer.at - snowflakeTime(typing.id)).toBeLessThan(3000);

    const template = autocompleteInteraction({ name: 'imagine', options: [commandOption.string('template', 'upsc', { focused: true })] });
    await h.discord.sendInteraction(template);
    const names = ((await h.callback(template)).json as { data: { choices: Array<{ name: string }> } }).data.choices.map((c) => c.name);
    expect(names).toEqual(['upscale', 'upscale-refine']);
  });
});
