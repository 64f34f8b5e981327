import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContainer } from '../../src/images/media-container.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { MEDIA_TEMPLATES } from '../support/media-graphs.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, messageJson, type MessageJson } from './harness.ts';

/**
 * Issue 13.1 through the bot: `/imagine template:<kind>` against the stand-ins, each
 * output kind attached as itself, the embed showing the file, a poster or nothing,
 * text outputs escaped in the embed, Reroll for every kind, Vary/Upscale only for stills.
 */

let h: BotHarness;
let workflows: string;

beforeAll(async () => {
  workflows = await mkdtemp(join(tmpdir(), 'comfycord-kinds-workflows-'));
  await cp(join(REPO_ROOT, 'workflows'), workflows, { recursive: true });
  for (const [name, text] of Object.entries(MEDIA_TEMPLATES)) await writeFile(join(workflows, `${name}.json`), text);
  h = await BotHarness.start({ env: { WORKFLOWS_DIR: workflows } });
});
afterAll(async () => {
  await h.stop();
  await rm(workflows, { recursive: true, force: true });
});

async function run(template: string, prompt = 'a fox') {
  const raw = await h.slash('imagine', [commandOption.string('prompt', prompt), commandOption.string('template', template)]);
  const final = await h.waitForFinal(raw, 20_000);
  const json = messageJson(final);
  expect(json.content, JSON.stringify(json)).toMatch(/^✅ Done/u);
  return { final, json, names: final.files.map((file) => file.filename) };
}

function labels(json: MessageJson): string[] {
  return (json.components ?? []).flatMap((row) => row.components.map((button) => button.label ?? ''));
}

function embedImage(json: MessageJson): string | undefined {
  return json.embeds?.[0]?.image?.url;
}

describe('every output kind reaches Discord as itself', () => {
  it('attaches an animated WebP still animated, with its first frame as the embed poster; Reroll only', async () => {
    const { final, json, names } = await run('anim-webp');
    expect(names).toEqual([expect.stringMatching(/-1\.webp$/), expect.stringMatching(/-poster\.png$/)]);
    const animation = final.files[0]!;
    expect((await sharp(animation.data, { animated: true }).metadata()).pages).toBe(4);
    const poster = await sharp(final.files[1]!.data).metadata();
    expect([poster.format, poster.pages ?? 1]).toEqual(['png', 1]);
    expect(embedImage(json)).toBe(`attachment://${names[1]}`);
    expect(labels(json)).toEqual(['Reroll', 'Delete']);
  });

  it('attaches a SaveWEBM video as .webm; with no live preview (no sampler ran) the embed shows its first frame', async () => {
    const { final, json, names } = await run('video-webm');
    expect(names).toEqual([expect.stringMatching(/-1\.webm$/), expect.stringMatching(/-poster\.png$/)]);
    expect(checkContainer(final.files[0]!.data, 'video/webm').ok).toBe(true);
    // test/fixtures/media/tiny.webm is 64×48.
    expect((await sharp(final.files[1]!.data).metadata()).width).toBe(64);
    expect(embedImage(json)).toBe(`attachment://${names[1]}`);
    expect(labels(json)).toEqual(['Reroll', 'Delete']);
  });

  it('attaches a VHS_VideoCombine mp4 (under `gifs`), its first frame as the poster', async () => {
    const { final, names } = await run('video-vhs');
    expect(names).toEqual([expect.stringMatching(/-1\.mp4$/), expect.stringMatching(/-poster\.png$/)]);
    expect(checkContainer(final.files[0]!.data, 'video/mp4').ok).toBe(true);
  });

  it('attaches a SaveAudio sound as .flac for Discord\'s audio player, with no embed image', async () => {
    const { final, json, names } = await run('audio-flac');
    expect(names).toEqual([expect.stringMatching(/-1\.flac$/)]);
    expect(final.files[0]!.data.subarray(0, 4).toString('latin1')).toBe('fLaC');
    expect(embedImage(json)).toBeUndefined();
    expect(labels(json)).toEqual(['Reroll', 'Delete']);
  });

  it('shows a text output in the embed, escaped: no markdown, no mention, no @everyone', async () => {
    const text = '**bold** <@123456789012345678> @everyone `code`';
    const { json, names } = await run('caption', text);
    expect(names).toEqual([]);
    const field = json.embeds?.[0]?.fields?.find((f) => f.name === 'Text');
    expect(field?.value).toBe('\\*\\*bold\\*\\* \\<@123456789012345678\\> @\u200beveryone \\`code\\`');
    expect(labels(json)).toEqual(['Reroll', 'Delete']);
  });

  it('keeps a still image as before: PNG in the embed, with Vary and Upscale', async () => {
    const raw = await h.imagine('a lighthouse');
    const json = messageJson(await h.waitForFinal(raw, 20_000));
    expect(embedImage(json)).toMatch(/-1\.png$/);
    expect(labels(json).slice(0, 4)).toEqual(['Reroll', 'Vary', 'Upscale', 'Delete']);
  });
});
