import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { APIInteraction } from 'discord.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { commandOption, uploadedAttachment } from '../support/discord-standin/index.ts';
import { startServer, type TestServer } from '../attachments/http-fixture.ts';
import { BotHarness, messageJson, nodeOf, promptBodies } from './harness.ts';

const EPHEMERAL = 64;

/** A photo as a phone sends it: JPEG, stored sideways with EXIF orientation 6, red on the stored left, blue on the right. */
async function sidewaysPhoto(): Promise<Buffer> {
  const half = (r: number, b: number) => sharp({ create: { width: 1200, height: 1200, channels: 3, background: { r, g: 0, b } } }).png().toBuffer();
  const [left, right] = await Promise.all([half(220, 0), half(0, 220)]);
  return sharp({ create: { width: 2400, height: 1200, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite([{ input: left, left: 0, top: 0 }, { input: right, left: 1200, top: 0 }])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

const smallPng = () => sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();

/** A real PNG whose header claims `width`×`height` (CRC fixed), the shape of a decompression bomb. */
async function pngClaiming(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await smallPng());
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

describe('/img2img end to end', () => {
  let h: BotHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('uploads the normalised attachment (upright, scaled to the template, PNG) and points LoadImage at it', async () => {
    h = await BotHarness.start();
    const photo = await sidewaysPhoto();
    const attachment = h.rest.hostAttachment({ filename: 'IMG_2041.jpg', data: photo, contentType: 'image/jpeg' });
    const raw = await h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'as a watercolour')]);
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^✅/u);

    const uploads = h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/upload/image');
    expect(uploads).toHaveLength(1);
    const sent = uploads[0]!.multipart!.files.find((f) => f.field === 'image')!;
    const meta = await sharp(sent.data).metadata();
    // EXIF orientation applied (portrait now), longest side cut to the template's 2048, PNG.
    expect({ format: meta.format, width: meta.width, height: meta.height, orientation: meta.orientation }).toEqual({
      format: 'png',
      width: 1024,
      height: 2048,
      orientation: undefined,
    });
    const upright = await sharp(photo).rotate().resize(1024, 2048).raw().toBuffer({ resolveWithObject: true });
    const got = await sharp(sent.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const y of [100, 1900]) {
      const at = (y * 1024 + 512) * 3;
      const expected = [...upright.data.subarray(at, at + 3)];
      const actual = [...got.data.subarray(at, at + 3)];
      actual.forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThan(12));
    }

    // The name ComfyUI gave the upload is what LoadImage was told to read, and those are the bytes it holds.
    const loadImage = nodeOf(promptBodies(h.comfy)[0]!.prompt, 'LoadImage');
    const name = String(loadImage.inputs['image']);
    expect(h.comfy.uploads.get(name)?.equals(sent.data)).toBe(true);
    expect(name).toMatch(/^comfycord-.+-image\.png$/);
    expect(nodeOf(promptBodies(h.comfy)[0]!.prompt, 'CLIPTextEncode').inputs['text']).toBe('as a watercolour');
  });
});

describe("/img2img against a newer ComfyUI's max_upload_size", () => {
  let h: BotHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('fails the job with both sizes named, before anything is uploaded', async () => {
    h = await BotHarness.start({ comfy: { version: 'newer', maxUploadBytes: 2048 } });
    const attachment = h.rest.hostAttachment({ filename: 'big.jpg', data: await sidewaysPhoto(), contentType: 'image/jpeg' });
    const raw = await h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'as a watercolour')]);
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).content).toMatch(/^❌ Failed — The image is too large for ComfyUI at 127\.0\.0\.1:\d+: [\d.]+ (KB|MB), and it accepts uploads of at most 2\.0 KB\./u);
    expect(h.comfy.requests.filter((r) => r.route === '/upload/image')).toEqual([]);
    expect(promptBodies(h.comfy)).toEqual([]);
  });
});

describe('/imagine with an image', () => {
  let h: BotHarness | null = null;
  afterEach(async () => {
    await h?.stop();
    h = null;
  });

  it('picks the img2img template, passes strength as denoise, and keeps small images at their size', async () => {
    h = await BotHarness.start();
    const png = await smallPng();
    const attachment = h.rest.hostAttachment({ filename: 'tiny.png', data: png, contentType: 'image/png' });
    const raw = await h.imagine('bigger and greener', [commandOption.attachment('image', attachment), commandOption.number('strength', 0.3)]);
    const final = await h.waitForFinal(raw);
    expect(messageJson(final).embeds?.[0]?.title).toBe('🖼️ img2img');
    const graph = promptBodies(h.comfy)[0]!.prompt;
    expect(nodeOf(graph, 'KSampler').inputs['denoise']).toBe(0.3);
    const uploaded = h.comfy.uploads.get(String(nodeOf(graph, 'LoadImage').inputs['image']))!;
    expect(await sharp(uploaded).metadata()).toMatchObject({ format: 'png', width: 64, height: 64 });
  });
});

describe('/img2img refuses bad attachments with a clear ephemeral reply', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await BotHarness.start({ env: { ATTACHMENT_MAX_BYTES: '200000', IMAGE_MAX_PIXELS: '1000000' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function img2img(file: { data: Buffer; filename: string; contentType: string } | { url: string; size: number }): Promise<APIInteraction> {
    const attachment =
      'url' in file
        ? uploadedAttachment({ url: file.url, filename: 'cat.png', contentType: 'image/png', size: file.size })
        : h.rest.hostAttachment(file);
    return h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'a cat')]);
  }

  /** The refusal is only seen by the user: either an ephemeral first response, or the public deferral deleted and an ephemeral follow-up. */
  async function expectPrivateRefusal(raw: APIInteraction, text: RegExp): Promise<string> {
    const message = await h.waitForEphemeral(raw);
    expect(message).toMatch(text);
    const reply = h.reply(raw);
    expect(reply === undefined || (reply.flags! & EPHEMERAL) !== 0).toBe(true);
    return message;
  }

  it.each([
    ['a PDF', { data: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), filename: 'cat.pdf', contentType: 'application/pdf' }, /not an image \(application\/pdf\)/],
    ['text named .png', { data: Buffer.from('hello, this is not a picture at all'.repeat(4)), filename: 'cat.png', contentType: 'image/png' }, /not an image we can read/],
    ['an SVG', { data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), filename: 'cat.svg', contentType: 'image/svg+xml' }, /not an image|SVG/],
  ])('not an image: %s', async (_name, file, text) => {
    const raw = await img2img(file);
    await expectPrivateRefusal(raw, text);
  });

  it('too large by what Discord says: refused before anything is downloaded', async () => {
    const raw = await img2img({ url: `${h.rest.origin}/attachments/1/2/big.png`, size: 5_000_000 });
    await expectPrivateRefusal(raw, /^⚠️ The file is 5 MB; the limit is 200 kB\.$/u);
    expect((await h.callback(raw)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(h.rest.requests.some((r) => r.path.includes('big.png'))).toBe(false);
  });

  it('too large in fact (Discord said small): the download stops at the cap', async () => {
    const noisy = await sharp(Buffer.from(Array.from({ length: 400 * 400 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 400, height: 400, channels: 3 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(200_000);
    const hosted = h.rest.hostAttachment({ filename: 'cat.png', data: noisy, contentType: 'image/png' });
    const raw = await h.slash('img2img', [commandOption.attachment('image', { ...hosted, size: 1000 }), commandOption.string('prompt', 'a cat')]);
    await expectPrivateRefusal(raw, /^⚠️ The file is 481\.3 kB; the limit is 200 kB\.$/u);
  });

  it('undecodable: a PNG cut in half', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png({ compressionLevel: 0 }).toBuffer();
    const raw = await img2img({ data: png.subarray(0, Math.floor(png.length / 2)), filename: 'cat.png', contentType: 'image/png' });
    await expectPrivateRefusal(raw, /damaged or incomplete/);
  });

  it('decompression bomb: a small file claiming 30000×30000 pixels is refused from its header', async () => {
    const raw = await img2img({ data: await pngClaiming(30_000, 30_000), filename: 'cat.png', contentType: 'image/png' });
    await expectPrivateRefusal(raw, /30000×30000; the limit is 1 megapixel\./);
  });

  it('not from Discord: an attachment URL on another host is never fetched', async () => {
    const raw = await img2img({ url: 'https://images.example.net/cat.png', size: 1000 });
    await expectPrivateRefusal(raw, /^⚠️ Only images from Discord can be used\.$/u);
    // Refused before deferring: nothing public ever showed.
    expect((await h.callback(raw)).json).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
  });

  it('none of the refused files reached ComfyUI', () => {
    expect(h.comfy.requests.filter((r) => r.method === 'POST' && (r.route === '/upload/image' || r.route === '/prompt'))).toEqual([]);
  });
});

describe('ATTACHMENT_HOSTS with a port', () => {
  let h: BotHarness | null = null;
  let cdn: TestServer | null = null;
  afterEach(async () => {
    await h?.stop();
    await cdn?.close();
    h = null;
    cdn = null;
  });

  it('a redirect from the allowed host:port to ComfyUI\'s own port on the same host is refused, and ComfyUI hears nothing', async () => {
    let comfyUrl = '';
    cdn = await startServer((_req, res) => res.writeHead(302, { location: `${comfyUrl}/view?filename=other-users-output.png&type=output` }).end());
    h = await BotHarness.start({ env: { ATTACHMENT_HOSTS: `127.0.0.1:${cdn.port}` } });
    comfyUrl = h.comfy.url;
    const attachment = uploadedAttachment({ url: cdn.url('/attachments/1/2/cat.png'), filename: 'cat.png', contentType: 'image/png', size: 1000 });
    const raw = await h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'a cat')]);
    expect(await h.waitForEphemeral(raw)).toBe('⚠️ Only images from Discord can be used.');
    expect(cdn.requests).toEqual(['/attachments/1/2/cat.png']);
    expect(h.comfy.requests.filter((r) => r.route === '/view' || r.route === '/prompt')).toEqual([]);
  });
});
