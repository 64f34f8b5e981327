import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { APIInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../attachments/http-fixture.ts';
import { commandOption, uploadedAttachment } from '../support/discord-standin/index.ts';
import { startBotChild, type BotChild } from './bot-child.ts';
import { BotHarness, messageJson } from './harness.ts';

/** Issue 8 finding 4: every refusal before any download or public defer; a slot held while the image downloads. */

const EPHEMERAL = 64;

/** A photo-like (incompressible) PNG of about `bytes` bytes. */
async function noisyPng(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer();
}

/** What the first response to an interaction was: 5 = public defer, 4 + ephemeral = refusal. */
async function firstResponse(h: BotHarness, raw: APIInteraction): Promise<{ type: number; flags: number; content: string }> {
  const callback = await h.callback(raw, 20_000);
  const body = callback.json as { type: number; data?: { flags?: number; content?: string } };
  return { type: body.type, flags: body.data?.flags ?? 0, content: body.data?.content ?? '' };
}

async function inputFiles(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'inputs')).catch(() => []);
}

let h: BotHarness | null = null;
let cdn: TestServer | null = null;
let bot: BotChild | null = null;
afterEach(async () => {
  await bot?.kill();
  bot = null;
  await h?.stop();
  await cdn?.close();
  h = null;
  cdn = null;
});

describe('limits before work', () => {
  it('60 parallel /img2img of an 8 MB PNG from one user (limit 3): 3 deferred and downloaded, 3 files, 57 ephemeral refusals before any download', async () => {
    const png = await noisyPng(8_000_000);
    expect(png.length).toBeGreaterThan(7_200_000);
    cdn = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
    h = await BotHarness.start({ deferStart: true, env: { USER_MAX_PENDING: '3' }, comfy: { stepDelayMs: 20 } });
    h.comfy.pause();
    // The bot in its own process, so the figure is its memory alone (not the stand-ins').
    bot = startBotChild(h.env);
    await bot.waitForLog('comfycord ready');
    const rssBefore = (await bot.rss())!;
    expect(rssBefore).toBeGreaterThan(0);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => void bot?.rss().then((rss) => (rssPeak = Math.max(rssPeak, rss ?? 0))), 20);
    try {
      const attachment = () => uploadedAttachment({ url: cdn!.url('/attachments/1/2/photo.png'), filename: 'photo.png', contentType: 'image/png', size: png.length });
      const sent = await Promise.all(
        Array.from({ length: 60 }, (_, i) => h!.slash('img2img', [commandOption.attachment('image', attachment()), commandOption.string('prompt', `flood ${i}`)])),
      );
      const responses = await Promise.all(sent.map((raw) => firstResponse(h!, raw)));
      const deferred = sent.filter((_, i) => responses[i]!.type === 5);
      const refused = responses.filter((r) => r.type === 4 && (r.flags & EPHEMERAL) !== 0);
      expect(deferred).toHaveLength(3);
      expect(refused).toHaveLength(57);
      for (const refusal of refused) expect(refusal.content).toMatch(/You already have 3 jobs waiting or running \(the limit is 3\)/);
      // The three accepted jobs get their images and wait in line.
      for (const raw of deferred) await h.waitForEdit(raw, /Queued|Running/u, 30_000);
      expect(cdn.requests).toHaveLength(3);
      expect(await inputFiles(h.dataDir)).toHaveLength(3);
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (rssPeak - rssBefore) / 1e6;
    console.log(`flood: bot RSS ${(rssBefore / 1e6).toFixed(0)} MB → peak ${(rssPeak / 1e6).toFixed(0)} MB (+${growthMb.toFixed(0)} MB), downloads ${cdn.requests.length}`);
    h.comfy.resume();
  }, 90_000);

  it('one user\'s downloads run one at a time, and a slot is held while its image downloads', async () => {
    const png = await noisyPng(50_000);
    let inFlight = 0;
    let maxInFlight = 0;
    cdn = await startServer((_req, res) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // A slow CDN: the bytes arrive after 300 ms.
      setTimeout(() => {
        inFlight -= 1;
        res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      }, 300);
    });
    h = await BotHarness.start({ env: { USER_MAX_PENDING: '2' } });
    h.comfy.pause();
    const attachment = () => uploadedAttachment({ url: cdn!.url('/a.png'), filename: 'a.png', contentType: 'image/png', size: png.length });
    const img2img = (prompt: string) => h!.slash('img2img', [commandOption.attachment('image', attachment()), commandOption.string('prompt', prompt)]);
    const first = await img2img('first');
    const second = await img2img('second');
    expect((await firstResponse(h, first)).type).toBe(5);
    expect((await firstResponse(h, second)).type).toBe(5);
    // Both slots are taken while the first image is still downloading: a third is refused at once.
    const third = await h.imagine('third, no image');
    const refusal = await firstResponse(h, third);
    expect(refusal).toMatchObject({ type: 4, flags: EPHEMERAL });
    expect(refusal.content).toMatch(/You already have 2 jobs waiting or running/);
    await h.waitForEdit(first, /Queued/u, 10_000);
    await h.waitForEdit(second, /Queued/u, 10_000);
    expect(maxInFlight).toBe(1);
    expect(cdn.requests).toHaveLength(2);
    h.comfy.resume();
    expect(messageJson(await h.waitForFinal(second, 15_000)).content).toMatch(/^✅/u);
  }, 30_000);

  it('a blocked word is refused before the image is downloaded or anything public appears', async () => {
    const png = await noisyPng(50_000);
    cdn = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    h = await BotHarness.start({ env: { BLOCKED_WORDS: 'forbiddenword' } });
    const attachment = uploadedAttachment({ url: cdn.url('/a.png'), filename: 'a.png', contentType: 'image/png', size: png.length });
    const raw = await h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'a forbiddenword cat')]);
    expect(await firstResponse(h, raw)).toMatchObject({ type: 4, flags: EPHEMERAL });
    expect(cdn.requests).toEqual([]);
    expect(await inputFiles(h.dataDir)).toEqual([]);
  });
});
