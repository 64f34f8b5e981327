import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { ApplicationCommandOptionType, type APIAttachment, type APIInteraction } from 'discord.js';
import type { BotHarness } from '../test/bot/harness.ts';
import { WHOLE_IMAGE_TRIES } from '../src/discord/result-files.ts';
import { SECURITY_CASES } from './bad-input-security.ts';
import { commandOption, uploadedAttachment, type OptionInput } from '../test/support/discord-standin/index.ts';

/**
 * Benchmark 6's corpus: inputs a careless or hostile person (or a broken ComfyUI) can
 * send, each run through the real bot. A case says how to send it and which endings
 * are acceptable; bench/bad-input.ts judges what the user actually saw.
 */

export type Ending = 'refused' | 'failed' | 'delivered';

export interface CaseContext {
  h: BotHarness;
  files: Fixtures;
  /** A URL on 127.0.0.1 (an allowed attachment host) that redirects to `location`. */
  redirectTo(location: string): string;
  /** /imagine with a 256×256 size and 2 steps unless `extra` sets them. */
  imagine(prompt: string, extra?: OptionInput[]): Promise<APIInteraction>;
  img2img(attachment: APIAttachment, extra?: OptionInput[]): Promise<APIInteraction>;
  /** A file on the Discord stand-in's CDN, as a person's upload. */
  upload(filename: string, data: Buffer, contentType: string): APIAttachment;
  /**
   * /imagine whose prompt is held at its first sampler step once ComfyUI starts it:
   * `inject(promptId)` runs, the hold lasts `holdMs` (so the bot can show what it made
   * of the injection), then the sampler goes on.
   */
  whileRunning(prompt: string, inject: (promptId: string) => void, holdMs?: number): Promise<APIInteraction>;
}

export interface BadInputCase {
  name: string;
  group: 'attachment' | 'option' | 'comfyui' | 'security' | 'after the corpus';
  /** Endings that are correct for this input. */
  expect: Ending[];
  /** What the reply must mention to count as a clear explanation. */
  says?: RegExp;
  /** Left out of --quick. */
  slow?: boolean;
  /** How long to wait for the ending (default 10 s). */
  timeoutMs?: number;
  send(ctx: CaseContext): Promise<APIInteraction>;
  /** A further problem with what happened, or null. */
  check?(ctx: CaseContext, raw: APIInteraction): Promise<string | null> | string | null;
}

export interface Fixtures {
  png: Buffer;
  jpeg: Buffer;
  truncatedPng: Buffer;
  bombPng: Buffer;
  fiftyMegabytes: Buffer;
  onePixelPng: Buffer;
  sliverPng: Buffer;
}

/** Builds the image files once (the bomb: 20000×20000 1-bit PNG, 400 MP in ~50 kB). */
export async function buildFixtures(): Promise<Fixtures> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 60 };
  const png = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#336699', noise } }).png().toBuffer();
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#996633' } }).jpeg().toBuffer();
  const fiftyMegabytes = Buffer.alloc(50 * 1024 * 1024, 0x41);
  png.copy(fiftyMegabytes, 0, 0, 64);
  return {
    png,
    jpeg,
    truncatedPng: png.subarray(0, Math.floor(png.length / 2)),
    bombPng: onebitPng(20_000, 20_000),
    fiftyMegabytes,
    onePixelPng: await sharp({ create: { width: 1, height: 1, channels: 3, background: '#ff0000' } }).png().toBuffer(),
    sliverPng: await sharp({ create: { width: 1, height: 30_000, channels: 3, background: '#00ff00' } }).png().toBuffer(),
  };
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, valid, all-black greyscale PNG at 1 bit per pixel: tiny on disk, huge once decoded. */
function onebitPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(1, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter byte 0 + zero pixels per row
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** An option with any value, including ones Discord's own client would never send (a string for an integer). */
function rawOption(name: string, type: ApplicationCommandOptionType, value: string | number): OptionInput {
  return { option: { name, type, value } as OptionInput['option'], resolvedAttachments: [] };
}

const int = (name: string, value: number | string) => rawOption(name, ApplicationCommandOptionType.Integer, value);
const num = (name: string, value: number | string) => rawOption(name, ApplicationCommandOptionType.Number, value);
const str = (name: string, value: string) => commandOption.string(name, value);

/** ComfyUI socket frames: a JSON text frame, and the binary layout (u32 type, u32 format or length, bytes). */
const text = (type: string, data: unknown): string => JSON.stringify({ type, data });
function binary(eventType: number, second: number, rest: Buffer | string = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(eventType, 0);
  head.writeUInt32BE(second >>> 0, 4);
  return Buffer.concat([head, typeof rest === 'string' ? Buffer.from(rest) : rest]);
}

const HTML_PAGE = '<!doctype html><html><body><h1>It works!</h1></body></html>';
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script><rect width="64" height="64"/></svg>';
const VALIDATION_400 = JSON.stringify({
  error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: '', extra_info: {} },
  node_errors: {
    checkpoint: {
      errors: [
        {
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: "ckpt_name: 'sd_xl_base_1.0.safetensors' not in ['dreamshaper_8.safetensors']",
          extra_info: { input_name: 'ckpt_name', received_value: 'sd_xl_base_1.0.safetensors' },
        },
      ],
      dependent_outputs: ['save'],
      class_type: 'CheckpointLoaderSimple',
    },
  },
});
const ODD_TEXT = 'a 🦊 fox\u200B\u200D\u2060 in \u202Eevil\u202C עִבְרִית العربية 👩🏽‍🚀 \u0301\uFEFF';

/** Problems in the progress lines the user saw: impossible numbers. */
function oddProgress(ctx: CaseContext, raw: APIInteraction): string | null {
  const contents = ctx.h.originalEdits(raw).map((r) => ((content: unknown) => (typeof content === 'string' ? content : ''))((r.json as { content?: unknown } | undefined)?.content));
  const bad = contents.find((c) => /NaN|Infinity|undefined|e\+\d/.test(c) || [...c.matchAll(/(-?\d+(?:\.\d+)?)%/g)].some((m) => Number(m[1]) < 0 || Number(m[1]) > 100));
  return bad === undefined ? null : `showed "${bad.split('\n').slice(0, 2).join(' ⏎ ')}"`;
}

/** The prompt reached ComfyUI exactly as typed. */
function promptSentVerbatim(prompt: string) {
  return (ctx: CaseContext): string | null => {
    const sent = ctx.h.comfy.requests.filter((r) => r.method === 'POST' && r.route === '/prompt').map((r) => JSON.stringify(r.json));
    return sent.some((body) => body.includes(JSON.stringify(prompt).slice(1, -1))) ? null : 'the prompt did not reach ComfyUI verbatim';
  };
}

const attachmentCases: BadInputCase[] = [
  { name: 'text file renamed .png (type image/png)', group: 'attachment', expect: ['refused'], says: /not an image/i, send: (c) => c.img2img(c.upload('cat.png', Buffer.from('this is not a png, just text\n'.repeat(10)), 'image/png')) },
  { name: 'text file renamed .png (type text/plain)', group: 'attachment', expect: ['refused'], says: /not an image/i, send: (c) => c.img2img(c.upload('cat.png', Buffer.from('just text\n'), 'text/plain')) },
  { name: 'truncated PNG (first half only)', group: 'attachment', expect: ['refused'], says: /damaged|incomplete|could not be read/i, send: (c) => c.img2img(c.upload('half.png', c.files.truncatedPng, 'image/png')) },
  { name: '20000×20000 decompression bomb (1-bit PNG)', group: 'attachment', expect: ['refused'], says: /20000×20000|megapixel|too (big|large)/i, send: (c) => c.img2img(c.upload('bomb.png', c.files.bombPng, 'image/png')) },
  { name: '50 MB file, size stated honestly', group: 'attachment', expect: ['refused'], says: /limit|too large/i, send: (c) => c.img2img(c.upload('huge.png', c.files.fiftyMegabytes, 'image/png')) },
  {
    name: '50 MB file, Discord says 1 MB',
    group: 'attachment',
    expect: ['refused'],
    says: /limit|too large/i,
    send: (c) => c.img2img({ ...c.upload('huge.png', c.files.fiftyMegabytes, 'image/png'), size: 1_000_000 }),
  },
  { name: 'SVG (image/svg+xml)', group: 'attachment', expect: ['refused'], says: /svg|not an image/i, send: (c) => c.img2img(c.upload('logo.svg', Buffer.from(SVG), 'image/svg+xml')) },
  { name: 'SVG bytes labelled image/png', group: 'attachment', expect: ['refused'], says: /svg|not an image/i, send: (c) => c.img2img(c.upload('logo.png', Buffer.from(SVG), 'image/png')) },
  { name: 'HTML (text/html)', group: 'attachment', expect: ['refused'], says: /not an image/i, send: (c) => c.img2img(c.upload('page.html', Buffer.from(HTML_PAGE), 'text/html')) },
  { name: 'HTML bytes labelled image/png', group: 'attachment', expect: ['refused'], says: /not an image/i, send: (c) => c.img2img(c.upload('page.png', Buffer.from(HTML_PAGE), 'image/png')) },
  {
    name: 'non-CDN URL (localhost, not an allowed host)',
    group: 'attachment',
    expect: ['refused'],
    says: /only images from discord/i,
    send: (c) => {
      const real = c.upload('real.png', c.files.png, 'image/png');
      return c.img2img(uploadedAttachment({ url: real.url.replace('127.0.0.1', 'localhost'), filename: 'real.png', contentType: 'image/png', size: c.files.png.length }));
    },
  },
  {
    name: 'URL with user-info trick (127.0.0.1@localhost)',
    group: 'attachment',
    expect: ['refused'],
    says: /only images from discord/i,
    send: (c) => {
      const real = c.upload('real.png', c.files.png, 'image/png');
      return c.img2img(uploadedAttachment({ url: real.url.replace('//127.0.0.1', '//127.0.0.1@localhost'), filename: 'real.png', contentType: 'image/png', size: c.files.png.length }));
    },
  },
  {
    name: 'allowed host redirecting to a non-CDN host',
    group: 'attachment',
    expect: ['refused'],
    says: /only images from discord/i,
    send: (c) => {
      const real = c.upload('real.png', c.files.png, 'image/png');
      return c.img2img(uploadedAttachment({ url: c.redirectTo(real.url.replace('127.0.0.1', 'localhost')), filename: 'real.png', contentType: 'image/png', size: c.files.png.length }));
    },
  },
  {
    name: 'expired attachment link (404)',
    group: 'attachment',
    expect: ['refused'],
    says: /404|expired|upload/i,
    send: (c) => {
      const real = c.upload('gone.png', c.files.png, 'image/png');
      return c.img2img({ ...real, url: real.url.replace(`/${real.id}/`, '/1/') });
    },
  },
  { name: 'empty file (0 bytes)', group: 'attachment', expect: ['refused'], says: /not an image|empty/i, send: (c) => c.img2img(c.upload('empty.png', Buffer.alloc(0), 'image/png')) },
  { name: '1×1 PNG', group: 'attachment', expect: ['delivered', 'refused'], send: (c) => c.img2img(c.upload('dot.png', c.files.onePixelPng, 'image/png')) },
  { name: '1×30000 sliver PNG', group: 'attachment', expect: ['delivered', 'refused'], send: (c) => c.img2img(c.upload('sliver.png', c.files.sliverPng, 'image/png')) },
  { name: 'valid JPEG labelled application/octet-stream (control)', group: 'attachment', expect: ['delivered'], send: (c) => c.img2img(c.upload('photo', c.files.jpeg, 'application/octet-stream')) },
  {
    name: 'image on /imagine with template txt2img',
    group: 'attachment',
    expect: ['refused'],
    says: /does not take an input image|img2img/i,
    send: (c) => c.imagine('a fox', [commandOption.attachment('image', c.upload('photo.png', c.files.png, 'image/png')), str('template', 'txt2img')]),
  },
];

const optionCases: BadInputCase[] = [
  { name: '10,000-character prompt', group: 'option', expect: ['delivered', 'refused'], send: (c) => c.imagine('a '.repeat(5_000)) },
  { name: '6,000 emoji (surrogate pairs at every cut)', group: 'option', expect: ['delivered', 'refused'], send: (c) => c.imagine('🦊'.repeat(3_000)) },
  { name: 'emoji / RTL override / zero-width / combining marks', group: 'option', expect: ['delivered'], send: (c) => c.imagine(ODD_TEXT), check: promptSentVerbatim(ODD_TEXT) },
  { name: 'prompt of only zero-width characters and spaces', group: 'option', expect: ['refused', 'delivered'], send: (c) => c.imagine('\u200B \u200D\u2060 \uFEFF ') },
  { name: 'NUL and ANSI escapes in the prompt', group: 'option', expect: ['delivered', 'refused'], send: (c) => c.imagine('a\u0000b \u001b[31mred\u001b[0m fox') },
  { name: 'markdown and @everyone in the prompt', group: 'option', expect: ['delivered'], send: (c) => c.imagine('@everyone <@&1290000000000000100> **bold** ||spoiler|| `code` [x](http://127.0.0.1)') },
  { name: 'blocked word (mixed case)', group: 'option', expect: ['refused'], says: /block|not allowed|word/i, send: (c) => c.imagine('a ForbiddenWord fox') },
  { name: 'steps -5', group: 'option', expect: ['refused'], says: /steps/i, send: (c) => c.imagine('a fox', [int('steps', -5)]) },
  { name: 'steps 0', group: 'option', expect: ['refused'], says: /steps/i, send: (c) => c.imagine('a fox', [int('steps', 0)]) },
  { name: "steps 'NaN' (a string in an integer option)", group: 'option', expect: ['refused'], says: /steps/i, send: (c) => c.imagine('a fox', [int('steps', 'NaN')]) },
  { name: 'steps 1e9', group: 'option', expect: ['refused'], says: /steps/i, send: (c) => c.imagine('a fox', [int('steps', 1e9)]) },
  { name: 'steps 2.5 (fraction in an integer option)', group: 'option', expect: ['refused'], says: /steps/i, send: (c) => c.imagine('a fox', [int('steps', 2.5)]) },
  { name: 'cfg -1', group: 'option', expect: ['refused'], says: /cfg/i, send: (c) => c.imagine('a fox', [num('cfg', -1)]) },
  { name: "cfg 'NaN' (a string in a number option)", group: 'option', expect: ['refused'], says: /cfg/i, send: (c) => c.imagine('a fox', [num('cfg', 'NaN')]) },
  { name: 'cfg 1e308', group: 'option', expect: ['refused'], says: /cfg/i, send: (c) => c.imagine('a fox', [num('cfg', 1e308)]) },
  { name: 'seed -1', group: 'option', expect: ['refused', 'delivered'], send: (c) => c.imagine('a fox', [int('seed', -1)]) },
  { name: 'seed 2^64 + 1 (beyond ComfyUI)', group: 'option', expect: ['refused'], says: /seed/i, send: (c) => c.imagine('a fox', [int('seed', 2 ** 64 + 2048)]) },
  { name: 'count 0', group: 'option', expect: ['refused'], says: /batch|count/i, send: (c) => c.imagine('a fox', [int('count', 0)]) },
  { name: 'count 99', group: 'option', expect: ['refused'], says: /batch|count/i, send: (c) => c.imagine('a fox', [int('count', 99)]) },
  { name: 'strength 2 on img2img', group: 'option', expect: ['refused'], says: /denoise|strength/i, send: (c) => c.img2img(c.upload('p.png', c.files.png, 'image/png'), [num('strength', 2)]) },
  { name: "size '0x0'", group: 'option', expect: ['refused'], says: /size|width|height/i, send: (c) => c.imagine('a fox', [str('size', '0x0')]) },
  { name: "size '99999x99999'", group: 'option', expect: ['refused'], says: /size|width|height/i, send: (c) => c.imagine('a fox', [str('size', '99999x99999')]) },
  { name: "size 'banana'", group: 'option', expect: ['refused'], says: /size/i, send: (c) => c.imagine('a fox', [str('size', 'banana')]) },
  { name: "size '1023x1023' (not a multiple of 8)", group: 'option', expect: ['refused'], says: /multiple/i, send: (c) => c.imagine('a fox', [str('size', '1023x1023')]) },
  { name: "unknown template 'nope'", group: 'option', expect: ['refused'], says: /template/i, send: (c) => c.imagine('a fox', [str('template', 'nope')]) },
  { name: "template '../../etc/passwd'", group: 'option', expect: ['refused'], says: /template/i, send: (c) => c.imagine('a fox', [str('template', '../../etc/passwd')]) },
  { name: 'unknown checkpoint', group: 'option', expect: ['refused', 'failed'], says: /checkpoint|ckpt|not in|available/i, send: (c) => c.imagine('a fox', [str('checkpoint', 'nope.safetensors')]) },
  { name: 'unknown sampler', group: 'option', expect: ['refused', 'failed'], says: /sampler|not in|available/i, send: (c) => c.imagine('a fox', [str('sampler', 'euler_fake')]) },
  { name: 'unknown command', group: 'option', expect: ['refused'], says: /not known|command/i, send: (c) => c.h.slash('definitely-not-a-command', [str('prompt', 'x')]) },
];

const hold = 400;
const comfyCases: BadInputCase[] = [
  { name: 'POST /prompt → 400 validation error', group: 'comfyui', expect: ['failed', 'refused'], says: /ckpt_name|checkpoint|not in/i, send: (c) => (c.h.comfy.failNextPost(400, VALIDATION_400), c.imagine('a fox')) },
  { name: 'POST /prompt → 400 with an HTML body', group: 'comfyui', expect: ['failed', 'refused'], send: (c) => (c.h.comfy.failNextPost(400, HTML_PAGE), c.imagine('a fox')) },
  { name: 'POST /prompt → 500 error page', group: 'comfyui', expect: ['failed', 'refused'], send: (c) => (c.h.comfy.failNextPost(500, '500 Internal Server Error\n\nServer got itself in trouble'), c.imagine('a fox')) },
  {
    name: 'POST /prompt → 200 with truncated JSON',
    group: 'comfyui',
    expect: ['failed', 'delivered'],
    send: (c) => (c.h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 200, body: '{"prompt_id": "abc", "numb' }), c.imagine('a fox')),
  },
  {
    name: 'POST /prompt → 200 {} and the prompt never queued',
    group: 'comfyui',
    expect: ['delivered', 'failed'],
    slow: true,
    timeoutMs: 25_000,
    send: (c) => (c.h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 200, body: '{}' }), c.imagine('a fox')),
  },
  {
    name: 'GET /history/{id} → garbage at the end of the run',
    group: 'comfyui',
    expect: ['delivered', 'failed'],
    send: (c) => c.whileRunning('a fox', () => c.h.comfy.injectResponse({ method: 'GET', route: /^\/history\/[^/]+$/ }, { status: 200, body: '{"oops": [' }, { times: 3 }), 0),
  },
  {
    name: 'GET /history/{id} → success with no outputs',
    group: 'comfyui',
    expect: ['failed', 'delivered'],
    send: (c) =>
      c.whileRunning(
        'a fox',
        (id) => {
          const entry = { prompt: [], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} };
          c.h.comfy.injectResponse({ method: 'GET', route: `/history/${id}` }, { status: 200, body: JSON.stringify({ [id]: entry }) }, { times: 5 });
        },
        0,
      ),
    check: (c, raw) => (/^✅/u.test(c.h.reply(raw)?.content ?? '') && (c.h.reply(raw)?.attachments.length ?? 0) === 0 ? 'said Done with no image' : null),
  },
  { name: 'GET /view → 404', group: 'comfyui', expect: ['failed'], says: /could not be fetched|try/i, send: (c) => (c.h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 404, body: '404: Not Found', contentType: 'text/plain' }), c.imagine('a fox')) },
  // A result is fetched again when its bytes are not a whole image (src/discord/result-files.ts):
  // one HTML answer costs a second fetch and the PNG is delivered; HTML on every try fails in words.
  {
    name: 'GET /view → HTML once instead of the PNG',
    group: 'comfyui',
    expect: ['delivered'],
    send: (c) => (markViews(c), c.h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 200, body: HTML_PAGE, contentType: 'text/html' }), c.imagine('a fox')),
    check: (c) => viewFetches(c, 2, 'the HTML answer, then the PNG fetched again'),
  },
  {
    name: 'GET /view → HTML on every try',
    group: 'comfyui',
    expect: ['failed'],
    says: /could not be fetched: .*not an image/i,
    send: (c) => (
      markViews(c),
      c.h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 200, body: HTML_PAGE, contentType: 'text/html' }, { times: WHOLE_IMAGE_TRIES }),
      c.imagine('a fox')
    ),
    check: (c) => viewFetches(c, WHOLE_IMAGE_TRIES, `${WHOLE_IMAGE_TRIES} tries, then a failure`),
  },
  {
    name: 'ws: unknown message types (custom nodes)',
    group: 'comfyui',
    expect: ['delivered'],
    send: (c) => c.whileRunning('a fox', (id) => [text('crystools.monitor', { cpu_utilization: 12 }), text('display_component', { prompt_id: id, node_id: 'x' }), text('', null)].forEach((f) => c.h.comfy.sendRawFrame(f)), hold),
  },
  {
    name: 'ws: text frames that are not JSON objects',
    group: 'comfyui',
    expect: ['delivered'],
    send: (c) => c.whileRunning('a fox', () => ['}{not json', '[1,2,3]', 'null', '"status"', '{"type": 42}', '{"data": {}}'].forEach((f) => c.h.comfy.sendRawFrame(f)), hold),
  },
  {
    name: 'ws: known types with wrong field types',
    group: 'comfyui',
    expect: ['delivered'],
    send: (c) =>
      c.whileRunning(
        'a fox',
        (id) =>
          [
            text('executing', 'node 3'),
            text('status', { status: { exec_info: { queue_remaining: 'many' } } }),
            text('progress_state', { prompt_id: id, nodes: null }),
            text('execution_cached', { prompt_id: id, nodes: 'all' }),
            text('progress', { prompt_id: id, node: 'sampler', value: '3', max: null }),
          ].forEach((f) => c.h.comfy.sendRawFrame(f)),
        hold,
      ),
  },
  {
    name: 'ws: progress with max 0, negative value, 1e300',
    group: 'comfyui',
    expect: ['delivered'],
    send: (c) =>
      c.whileRunning(
        'a fox',
        (id) => [[5, 0], [-3, 10], [1e300, 1]].forEach(([value, max]) => c.h.comfy.sendRawFrame(text('progress', { prompt_id: id, node: 'sampler', value, max }))),
        800,
      ),
    check: oddProgress,
  },
  { name: 'ws: binary frame of 3 bytes', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(Buffer.from([0, 0, 1])), hold) },
  { name: 'ws: binary preview, unknown image format 99', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(binary(1, 99, 'xxxx')), hold) },
  { name: 'ws: binary type 4, metadata length beyond the frame', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(binary(4, 1_000_000, '{"prompt_id"')), hold) },
  { name: 'ws: binary type 3, node-id length beyond the frame', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(binary(3, 5_000, 'abc')), hold) },
  { name: 'ws: binary preview (JPEG header) with garbage bytes', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(binary(1, 1, 'definitely not a jpeg')), 800) },
  { name: 'ws: 2 MB binary frame of an unknown type', group: 'comfyui', expect: ['delivered'], send: (c) => c.whileRunning('a fox', () => c.h.comfy.sendRawFrame(binary(42, 0, Buffer.alloc(2 * 1024 * 1024, 7))), hold) },
  {
    name: 'ws: execution_error with a 20,000-char message',
    group: 'comfyui',
    expect: ['failed'],
    says: /failed in node|KSampler/i,
    send: (c) =>
      c.whileRunning(
        'a fox',
        (id) =>
          c.h.comfy.sendRawFrame(
            text('execution_error', { prompt_id: id, node_id: 'sampler', node_type: 'KSampler', executed: [], exception_type: 'RuntimeError', exception_message: 'CUDA '.repeat(4_000), traceback: [], current_inputs: {}, current_outputs: {} }),
          ),
        hold,
      ),
  },
  {
    name: 'ws: executed with malformed output',
    group: 'comfyui',
    expect: ['delivered', 'failed'],
    send: (c) => c.whileRunning('a fox', (id) => c.h.comfy.sendRawFrame(text('executed', { prompt_id: id, node: 'save', display_node: 'save', output: { images: 'not-a-list' } })), hold),
  },
  {
    name: 'ComfyUI unreachable when asked',
    group: 'comfyui',
    expect: ['refused', 'failed', 'delivered'],
    says: /reach|offline|down|ComfyUI/i,
    send: async (c) => {
      c.h.comfy.setDown(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const raw = await c.imagine('a fox');
      setTimeout(() => c.h.comfy.setDown(false), 1_500);
      return raw;
    },
  },
];

/** GET /view requests seen when the case began (markViews), for the cases that count fetches. */
let viewsAtStart = 0;
const viewRequests = (c: CaseContext): number => c.h.comfy.requests.filter((r) => r.method === 'GET' && r.route === '/view').length;
function markViews(c: CaseContext): void {
  viewsAtStart = viewRequests(c);
}
function viewFetches(c: CaseContext, expected: number, what: string): string | null {
  const seen = viewRequests(c) - viewsAtStart;
  return seen === expected ? null : `expected ${expected} GET /view (${what}), saw ${seen}`;
}

export const CORPUS: readonly BadInputCase[] = [...attachmentCases, ...optionCases, ...comfyCases, ...SECURITY_CASES];
