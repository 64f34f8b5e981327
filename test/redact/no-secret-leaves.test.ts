import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits, type APIInteraction } from 'discord.js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotHarness, messageJson, type MessageJson } from '../bot/harness.ts';
import { runCli } from '../cli/run-cli.ts';
import { ComfyStandin, type InjectedResponse } from '../support/comfy-standin.ts';
import { commandOption, STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/index.ts';
import { findLeaks, stringsIn, type NamedSecret } from '../support/secret-leaks.ts';

/**
 * Issue 8, finding 1: a ComfyUI (or the proxy in front of it) whose error bodies repeat
 * the request headers must not get COMFY_AUTH or COMFY_HEADERS values into a Discord
 * message, a log line or the CLI's output, in any form. Every fault here echoes the
 * headers the bot sent; afterwards every Discord body, log line and CLI line is
 * searched for every secret, raw and escaped.
 */

// Characters that JSON, Markdown and URL encoding all change, so each escaped form differs from the raw one.
const USER = 'comfy-admin';
const PASSWORD = 'pa55*w0rd_~"q\\|x';
const API_KEY = 'sk-proxy_"quoted"\\back*star~tilde|pipe';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64');
const SECRET_ENV = { COMFY_AUTH: `${USER}:${PASSWORD}`, COMFY_HEADERS: JSON.stringify({ 'X-Api-Key': API_KEY }) };
const COMFY_SECRETS: NamedSecret[] = [
  { name: 'password', value: PASSWORD },
  { name: 'user:password', value: `${USER}:${PASSWORD}` },
  { name: 'Basic credentials', value: BASIC },
  { name: 'X-Api-Key value', value: API_KEY },
];
const requireAuth = { header: 'authorization', value: `Basic ${BASIC}` };
const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };
const echo = (status: number, style: NonNullable<InjectedResponse['echoHeaders']>): InjectedResponse => ({ status, body: '', echoHeaders: style });

describe('no secret leaves the bot (ComfyUI and its proxy echo the request headers)', () => {
  let h: BotHarness;

  beforeAll(async () => {
    // A short delivery bound: /show retries a 5xx /view within it (src/discord/fetch-results.ts), so its answer comes within 10 s.
    h = await BotHarness.start({ env: { ...SECRET_ENV, DELIVERY_TIMEOUT_SECONDS: '10' }, comfy: { requireAuth }, captureLogsAt: 'debug' });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function finalOf(raw: APIInteraction): Promise<string> {
    return messageJson(await h.waitForFinal(raw)).content ?? '';
  }

  it('GIVEN POST /prompt 500 echoing the headers as text THEN the reply says only who answered what', async () => {
    h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, echo(500, 'text'));
    const content = await finalOf(await h.imagine('fox one'));
    expect(content).toMatch(/^❌ Failed — ComfyUI at 127\.0\.0\.1:\d+ answered HTTP 500 on POST \/prompt\.$/u);
  });

  it('GIVEN POST /prompt 502 with an HTML debug page THEN the same short classification', async () => {
    h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, echo(502, 'html'));
    const content = await finalOf(await h.imagine('fox two'));
    expect(content).toMatch(/^❌ Failed — ComfyUI at 127\.0\.0\.1:\d+ answered HTTP 502 on POST \/prompt\.$/u);
  });

  it("GIVEN a 400 in ComfyUI's own error shape whose message carries the headers THEN its message is shown, redacted", async () => {
    const body = JSON.stringify({
      error: { type: 'invalid_prompt', message: `Proxy check failed for authorization: Basic ${BASIC}`, details: `x-api-key: ${API_KEY}`, extra_info: {} },
      node_errors: {},
    });
    h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 400, body });
    const content = await finalOf(await h.imagine('fox three'));
    expect(content).toBe('❌ Failed — The workflow is invalid: Proxy check failed for authorization: Basic \\[redacted\\] x\\-api\\-key: \\[redacted\\]');
  });

  it('GIVEN an execution_error whose exception_message repeats the headers THEN the node error is shown, redacted', async () => {
    h.comfy.failRunsEchoingHeaders(1);
    const content = await finalOf(await h.imagine('fox four'));
    expect(content).toMatch(/^❌ Failed — ComfyUI failed in node \S+ \(\S+\): upstream call failed with HTTP 401; request headers were/u);
    expect(content).toContain('redacted');
  });

  it('GIVEN GET /view 500 echoing the headers as JSON THEN /show says the images could not be fetched, without the body', async () => {
    const final = messageJson(await h.waitForFinal(await h.imagine('fox five')));
    expect(final.content).toMatch(/^✅/u);
    const jobId = /job (\S+)/.exec(final.embeds?.[0]?.footer?.text ?? '')?.[1] ?? '';
    h.comfy.injectResponse({ method: 'GET', route: '/view' }, echo(500, 'json'), { times: 50 });
    const raw = await h.slash('show', [commandOption.string('job', jobId)]);
    // Waits past DELIVERY_TIMEOUT_SECONDS (10 s): the answer names the last failure, not only that time ran out.
    const edit = await h.rest.waitForRequest((r) => r.route.includes(raw.token) && r.status < 300 && /could not|answered|within/.test(JSON.stringify(r.json)), 20_000);
    h.comfy.clearInjections();
    const text = JSON.stringify(edit.json);
    expect(text).toMatch(/answered HTTP 500 on GET \/view/u);
    expect(text).not.toMatch(/request headers|x-api-key/i);
  }, 30_000);

  it('GIVEN POST /upload/image 500 echoing the headers THEN /img2img fails with the classification only', async () => {
    h.comfy.injectResponse({ method: 'POST', route: '/upload/image' }, echo(500, 'text'), { times: 5 });
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toBuffer();
    const attachment = h.rest.hostAttachment({ filename: 'in.png', data: png, contentType: 'image/png' });
    const raw = await h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'fox six')]);
    const content = await finalOf(raw);
    h.comfy.clearInjections();
    expect(content).toMatch(/answered HTTP 500 on POST \/upload\/image/u);
  });

  it('GIVEN /comfy status with /system_stats echoing the headers THEN it names the headers it sends, never their values', async () => {
    h.comfy.injectResponse({ method: 'GET', route: '/system_stats' }, echo(500, 'html'));
    const raw = await h.slash('comfy', [commandOption.subcommand('status', [])], admin);
    const edit = await h.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(raw.token) && r.status === 200, 8000);
    const value = (edit.json as MessageJson).embeds?.[0]?.fields?.[0]?.value ?? '';
    expect(value).toContain('X\\-Api\\-Key');
    expect(value).toMatch(/Basic auth/);
    expect(value).toMatch(/answered HTTP 500 on GET \/system\\?_stats/);
  });

  it('GIVEN a user who pastes the API key into a prompt THEN the public reply shows the prompt with the key cut out', async () => {
    const final = messageJson(await h.waitForFinal(await h.imagine(`a fox holding a sign saying ${API_KEY}`)));
    expect(final.content).toMatch(/^✅/u);
    expect(final.embeds?.[0]?.description).toBe('a fox holding a sign saying [redacted]');
  });

  it('THEN no Discord body and no log line holds any secret in any form', () => {
    const rest = h.rest.requests;
    expect(rest.length).toBeGreaterThan(10);
    const haystacks = [
      ...rest.map((r) => ({ where: `Discord ${r.method} #${r.seq} body`, text: JSON.stringify(r.json ?? null) })),
      ...rest.flatMap((r) => stringsIn(r.json).map((text) => ({ where: `Discord ${r.method} #${r.seq} field`, text }))),
      ...rest.flatMap((r) => r.files.map((file) => ({ where: `Discord #${r.seq} file name`, text: file.filename }))),
      ...h.logLines.map((line, index) => ({ where: `log line ${index + 1}`, text: line })),
    ];
    // The headers really were echoed: the stand-in sent them back in its answers.
    expect(h.comfy.requests.some((r) => r.headers['x-api-key'] === API_KEY)).toBe(true);
    const interactionTokens = rest
      .map((r) => /^\/webhooks\/\d+\/([^/]+)/.exec(r.route)?.[1])
      .filter((token): token is string => token !== undefined)
      .map((value, index) => ({ name: `interaction token ${index}`, value }));
    const logsOnly = h.logLines.map((line, index) => ({ where: `log line ${index + 1}`, text: line }));
    expect(h.logLines.length).toBeGreaterThan(20);
    expect(findLeaks([...COMFY_SECRETS, { name: 'DISCORD_TOKEN', value: h.discord.botToken }], haystacks)).toEqual([]);
    expect(findLeaks(interactionTokens, logsOnly)).toEqual([]);
  });
});

describe('no secret leaves the CLI', () => {
  let comfy: ComfyStandin;
  let work: string;
  beforeAll(async () => {
    comfy = await ComfyStandin.start({ stepDelayMs: 5, requireAuth, models: { checkpoints: ['sd_xl_base_1.0.safetensors'] } });
    work = await mkdtemp(join(tmpdir(), 'comfycord-secrets-cli-'));
  });
  afterAll(async () => {
    await comfy.close();
    await rm(work, { recursive: true, force: true });
  });

  const generate = (extra: string[] = []) =>
    runCli(['generate', 'txt2img', '--prompt', 'fox', '--steps', '2', '--out', join(work, 'out'), ...extra], {
      env: { ...SECRET_ENV, COMFY_URL: comfy.url, LOG_LEVEL: 'debug' },
    });

  it('GIVEN echoing errors on /prompt, on /view, on /upload/image and in execution_error THEN stdout and stderr hold no secret', async () => {
    const results: Array<{ what: string; stdout: string; stderr: string }> = [];
    comfy.injectResponse({ method: 'POST', route: '/prompt' }, echo(500, 'text'));
    results.push({ what: 'prompt 500', ...(await generate()) });
    comfy.injectResponse({ method: 'POST', route: '/prompt' }, echo(502, 'html'));
    results.push({ what: 'prompt 502', ...(await generate()) });
    comfy.failRunsEchoingHeaders(1);
    results.push({ what: 'execution_error', ...(await generate()) });
    comfy.injectResponse({ method: 'GET', route: '/view' }, echo(500, 'json'), { times: 20 });
    results.push({ what: 'view 500', ...(await generate()) });
    comfy.clearInjections();
    const input = join(work, 'in.png');
    await writeFile(input, await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
    comfy.injectResponse({ method: 'POST', route: '/upload/image' }, echo(500, 'text'));
    results.push({ what: 'upload 500', ...(await runCli(['generate', 'img2img', '--image', input, '--prompt', 'x', '--out', join(work, 'i2i')], { env: { ...SECRET_ENV, COMFY_URL: comfy.url, LOG_LEVEL: 'debug' } })) });

    expect(results.map((r) => r.stderr.split('\n').filter((line) => line.startsWith('comfycord: ')).join(''))).toEqual([
      expect.stringMatching(/answered HTTP 500 on POST \/prompt\.$/),
      expect.stringMatching(/answered HTTP 502 on POST \/prompt\.$/),
      expect.stringMatching(/^comfycord: ComfyUI failed in node .*request headers were .*\[redacted\]/),
      expect.stringMatching(/answered HTTP 500 on GET \/view\.$/),
      expect.stringMatching(/answered HTTP 500 on POST \/upload\/image\.$/),
    ]);
    const haystacks = results.flatMap((r) => [
      ...r.stdout.split('\n').map((line, i) => ({ where: `${r.what} stdout line ${i + 1}`, text: line })),
      ...r.stderr.split('\n').map((line, i) => ({ where: `${r.what} stderr line ${i + 1}`, text: line })),
    ]);
    expect(findLeaks(COMFY_SECRETS, haystacks)).toEqual([]);
  }, 90_000);
});
