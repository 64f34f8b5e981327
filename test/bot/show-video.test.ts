import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkContainer } from '../../src/images/media-container.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { MEDIA_TEMPLATES } from '../support/media-graphs.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, messageJson, type MessageJson } from './harness.ts';

/**
 * /show of a video result (issue 13.1/13.2 leftovers): posted again like the final reply
 * (fitted to this channel's limit, a poster in the embed: with the live preview gone,
 * the video's first frame) and within DELIVERY_TIMEOUT_SECONDS like a delivery.
 */

let h: BotHarness;
let workflows: string;

beforeAll(async () => {
  workflows = await mkdtemp(join(tmpdir(), 'comfycord-show-video-'));
  await cp(join(REPO_ROOT, 'workflows'), workflows, { recursive: true });
  for (const [name, text] of Object.entries(MEDIA_TEMPLATES)) await writeFile(join(workflows, `${name}.json`), text);
  h = await BotHarness.start({ env: { WORKFLOWS_DIR: workflows, DELIVERY_TIMEOUT_SECONDS: '3' } });
});
afterAll(async () => {
  await h.stop();
  await rm(workflows, { recursive: true, force: true });
});

const jobIdOf = (json: MessageJson) => /job (\S+)/.exec(json.embeds?.[0]?.footer?.text ?? '')?.[1] ?? '';

async function videoJob(): Promise<string> {
  const final = await h.waitForFinal(await h.slash('imagine', [commandOption.string('prompt', 'a fox'), commandOption.string('template', 'video-webm')]), 30_000);
  expect(messageJson(final).content).toMatch(/^✅ Done/u);
  return jobIdOf(messageJson(final));
}

describe('/show of a video', () => {
  it('posts the video and, with no live preview of the run left, its first frame as the embed poster', async () => {
    const jobId = await videoJob();
    const shown = await h.waitForFinal(await h.slash('show', [commandOption.string('job', jobId)]), 30_000);
    const names = shown.files.map((file) => file.filename);
    expect(names).toEqual([expect.stringMatching(/-1\.webm$/), expect.stringMatching(/-poster\.png$/)]);
    expect(checkContainer(shown.files[0]!.data, 'video/webm').ok).toBe(true);
    // test/fixtures/media/tiny.webm is 64×48 (testsrc): the poster is that frame, not a blank.
    const poster = await sharp(shown.files[1]!.data).stats();
    expect((await sharp(shown.files[1]!.data).metadata()).width).toBe(64);
    expect(poster.channels.some((channel) => channel.max - channel.min > 100)).toBe(true);
    expect(messageJson(shown).embeds?.[0]?.image?.url).toBe(`attachment://${names[1]}`);
  }, 60_000);

  it('a ComfyUI that lost the file (404 on /view) is named with what it answered, then the likely cause, one sentence each', async () => {
    const jobId = await videoJob();
    h.comfy.injectResponse({ method: 'GET', route: '/view' }, { status: 404, body: '' }, { times: 5 });
    const raw = await h.slash('show', [commandOption.string('job', jobId)]);
    const answer = await h.waitForEphemeral(raw, 30_000);
    h.comfy.clearInjections();
    expect(answer).toMatch(
      new RegExp(`^⚠️ The images of job \`${jobId}\` cannot be shown again: ComfyUI at 127\\.0\\.0\\.1:\\d+ answered HTTP 404 on GET /view\\. ComfyUI may have been restarted or cleaned its output folder\\.$`, 'u'),
    );
  }, 60_000);

  it('gives up on a ComfyUI that does not hand the video over within DELIVERY_TIMEOUT_SECONDS, in words', async () => {
    const jobId = await videoJob();
    // Every /view from now on hangs (this is the file's last test).
    h.comfy.faultViews('hang', { times: 50 });
    const started = Date.now();
    const raw = await h.slash('show', [commandOption.string('job', jobId)]);
    // The public deferral is taken back and the reason said to the caller alone.
    const answer = await h.waitForEphemeral(raw, 30_000);
    expect(Date.now() - started).toBeLessThan(12_000);
    // Slow is not lost: no word of a restart or a cleaned folder.
    expect(answer).toMatch(/cannot be shown again: ComfyUI did not hand them over within 3 s\.$/u);
  }, 60_000);
});
