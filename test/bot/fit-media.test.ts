import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkContainer } from '../../src/images/media-container.ts';
import { mediaToolPath } from '../../src/images/media-tool.ts';
import { commandOption } from '../support/discord-standin/index.ts';
import { MEDIA_TEMPLATES } from '../support/media-graphs.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, messageJson } from './harness.ts';

/**
 * Issue 13.2 through the bot and the stand-ins: an output over the interaction's
 * attachment_size_limit is re-encoded to fit; one nothing can fit is left out with a
 * note in the reply, the job stays done, and /show posts the original where it fits.
 */

let h: BotHarness;
let workflows: string;

beforeAll(async () => {
  workflows = await mkdtemp(join(tmpdir(), 'comfycord-fit-workflows-'));
  await cp(join(REPO_ROOT, 'workflows'), workflows, { recursive: true });
  for (const [name, text] of Object.entries(MEDIA_TEMPLATES)) await writeFile(join(workflows, `${name}.json`), text);
  h = await BotHarness.start({ env: { WORKFLOWS_DIR: workflows } });
});
afterAll(async () => {
  await h.stop();
  await rm(workflows, { recursive: true, force: true });
});

async function imagine(template: string, attachmentSizeLimit: number) {
  const raw = await h.slash('imagine', [commandOption.string('prompt', 'a fox'), commandOption.string('template', template)], { attachmentSizeLimit });
  const final = await h.waitForFinal(raw, 30_000);
  return { final, json: messageJson(final) };
}

describe('outputs fitted to the channel upload limit', () => {
  it('re-encodes a FLAC sound over a 6 kB limit as an MP3 under it, as long as the original', async () => {
    const { final, json } = await imagine('audio-flac', 6_000);
    expect(json.content).toMatch(/^✅ Done/u);
    expect(final.files.map((file) => file.filename)).toEqual([expect.stringMatching(/-1\.mp3$/)]);
    const sound = final.files[0]!.data;
    expect(sound.length).toBeLessThanOrEqual(6_000);
    const dir = await mkdtemp(join(tmpdir(), 'comfycord-fit-check-'));
    try {
      await writeFile(join(dir, 'a.mp3'), sound);
      const seconds = Number(execFileSync(await mediaToolPath('ffprobe'), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', join(dir, 'a.mp3')]).toString());
      // MP3 pads to whole 26 ms frames plus the encoder's delay: a tenth of a second either way on a half-second sound.
      expect(Math.abs(seconds - 0.5)).toBeLessThanOrEqual(0.1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves out a video nothing fits under 1 kB, says so in the reply, and /show posts the original where it fits', async () => {
    const { final, json } = await imagine('video-webm', 1_000);
    expect(json.content).toMatch(/^✅ Done/u);
    expect(final.files).toEqual([]);
    const note = json.embeds?.[0]?.fields?.find((field) => field.name === 'Not attached')?.value ?? '';
    const jobId = /job (\S+)/.exec(json.embeds?.[0]?.footer?.text ?? '')?.[1] ?? '';
    expect(note).toMatch(/^Output 1 \(video, 3\.2 kB\) is not attached: it could not be made to fit the 1 kB upload limit here\. /u);
    expect(note).toContain(`\`/show job:${jobId}\` posts it again where the limit allows.`);
    expect(note).not.toMatch(/ffmpeg version|Input #0|\/tmp\//u);

    const shown = await h.waitForFinal(await h.slash('show', [commandOption.string('job', jobId)]), 30_000);
    expect(shown.files.map((file) => file.filename)).toEqual([expect.stringMatching(/-1\.webm$/), expect.stringMatching(/-poster\.png$/)]);
    expect(checkContainer(shown.files[0]!.data, 'video/webm').ok).toBe(true);
  }, 60_000);
});
