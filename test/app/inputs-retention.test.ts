import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { InputSweeper } from '../../src/app/input-sweeper.ts';
import { createJob, type InputImageRef, type Job } from '../../src/jobs/job.ts';
import { silentLogger } from '../../src/log.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { startServer, type TestServer } from '../attachments/http-fixture.ts';
import { commandOption, STANDIN_CHANNEL_PERMISSIONS, uploadedAttachment } from '../support/discord-standin/index.ts';
import { BotHarness, messageJson } from '../bot/harness.ts';

/** Issue 8 finding 4 (second half): nothing ever deleted kept inputs, and the admin could not see them pile up. */

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 3, 12);

let dir: string | null = null;
let store: SqliteJobStore | null = null;
let h: BotHarness | null = null;
let cdn: TestServer | null = null;
afterEach(async () => {
  store?.close();
  store = null;
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
  await h?.stop();
  h = null;
  await cdn?.close();
  cdn = null;
});

/** A job saved in the store with the given state, its input a kept file (or whatever `inputs` says). */
function savedJob(s: SqliteJobStore, state: { status: Job['status']; finishedHoursAgo?: number; inputs: Record<string, InputImageRef> }): Job {
  const job = createJob({
    userId: '1',
    userName: 'u',
    guildId: 'g',
    channelId: 'c',
    origin: { kind: 'command', command: 'img2img' },
    spec: { template: 'img2img', options: { prompt: 'x' }, inputs: state.inputs },
    reply: null,
  });
  job.status = state.status;
  if (state.finishedHoursAgo !== undefined) job.finishedAt = NOW - state.finishedHoursAgo * HOUR;
  s.save(job);
  return job;
}

async function keptFile(dataDir: string, name: string): Promise<InputImageRef> {
  await mkdir(join(dataDir, 'inputs'), { recursive: true });
  await writeFile(join(dataDir, 'inputs', name), Buffer.alloc(1000, 1));
  return { kind: 'file', path: join('inputs', name) };
}

describe('InputSweeper (INPUT_RETENTION_HOURS) on a real SQLite file', () => {
  it('keeps what an unfinished or recently finished job can need (a Reroll refers to its parent\'s file), deletes the rest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'comfycord-sweep-'));
    const s = (store = SqliteJobStore.open(join(dir, 'comfycord.db')));
    const waiting = savedJob(s, { status: 'queued', inputs: {} });
    waiting.spec.inputs = { image: await keptFile(dir, `${waiting.id}-image.png`) };
    s.save(waiting);
    const recent = savedJob(s, { status: 'done', finishedHoursAgo: 2, inputs: {} });
    recent.spec.inputs = { image: await keptFile(dir, `${recent.id}-image.png`) };
    s.save(recent);
    const old = savedJob(s, { status: 'done', finishedHoursAgo: 30, inputs: {} });
    old.spec.inputs = { image: await keptFile(dir, `${old.id}-image.png`) };
    s.save(old);
    const oldParent = savedJob(s, { status: 'failed', finishedHoursAgo: 40, inputs: {} });
    oldParent.spec.inputs = { image: await keptFile(dir, `${oldParent.id}-image.png`) };
    s.save(oldParent);
    // A Reroll of the old parent, finished an hour ago, uses the parent's file.
    savedJob(s, { status: 'done', finishedHoursAgo: 1, inputs: oldParent.spec.inputs });
    // A job in intake: saved with its URL, its file just written, not yet queued with it.
    const inIntake = savedJob(s, { status: 'queued', inputs: { image: { kind: 'url', url: 'https://cdn.discordapp.com/a.png', maxSide: 1024 } } });
    await keptFile(dir, `${inIntake.id}-image.png`);
    // Files no job knows: an abandoned one, and one from an older naming scheme.
    await keptFile(dir, 'zzzznotajob-image.png');
    await keptFile(dir, '0b8c1f9e-4a1d-4f35-9a42-2f1c7b1d9e10-image.png');

    const sweeper = new InputSweeper({ dataDir: dir, store: s, retentionMs: 24 * HOUR, logger: silentLogger(), clock: { now: () => NOW, after: () => () => undefined, every: () => () => undefined } });
    const result = await sweeper.sweep();

    const left = (await readdir(join(dir, 'inputs'))).sort();
    expect(left).toEqual([`${waiting.id}-image.png`, `${recent.id}-image.png`, `${oldParent.id}-image.png`, `${inIntake.id}-image.png`].sort());
    expect(result).toEqual({ deleted: 3, freedBytes: 3000, kept: 4 });
  });

  it('deletes at most maxDeletionsPerPass files in one pass; the next pass takes the rest', async () => {
    dir = await mkdtemp(join(tmpdir(), 'comfycord-sweep-'));
    const s = (store = SqliteJobStore.open(join(dir, 'comfycord.db')));
    for (let i = 0; i < 5; i += 1) await keptFile(dir, `orphan${i}-image.png`);
    const sweeper = new InputSweeper({ dataDir: dir, store: s, retentionMs: HOUR, logger: silentLogger(), maxDeletionsPerPass: 2 });
    expect((await sweeper.sweep()).deleted).toBe(2);
    expect(await readdir(join(dir, 'inputs'))).toHaveLength(3);
    expect((await sweeper.sweep()).deleted).toBe(2);
    expect((await sweeper.sweep()).deleted).toBe(1);
    expect(await readdir(join(dir, 'inputs'))).toEqual([]);
  });
  it('passes again every interval on the injected clock: a job that ages past the window loses its input at the next pass', async () => {
    dir = await mkdtemp(join(tmpdir(), 'comfycord-sweep-'));
    const s = (store = SqliteJobStore.open(join(dir, 'comfycord.db')));
    let now = NOW;
    const ticks: Array<{ ms: number; run: () => void }> = [];
    const clock = { now: () => now, after: () => () => undefined, every: (ms: number, run: () => void) => (ticks.push({ ms, run }), () => undefined) };
    const job = savedJob(s, { status: 'done', finishedHoursAgo: 23, inputs: {} });
    job.spec.inputs = { image: await keptFile(dir, `${job.id}-image.png`) };
    s.save(job);
    const sweeper = new InputSweeper({ dataDir: dir, store: s, retentionMs: 24 * HOUR, logger: silentLogger(), clock, intervalMs: HOUR });
    sweeper.start();
    await sweeper.sweep();
    expect(await readdir(join(dir, 'inputs'))).toEqual([`${job.id}-image.png`]);
    expect(ticks.map((tick) => tick.ms)).toEqual([HOUR]);
    now += 2 * HOUR;
    ticks[0]?.run();
    await sweeper.stop();
    expect(await readdir(join(dir, 'inputs'))).toEqual([]);
  });
});

describe('kept inputs in the running bot', () => {
  it('the sweeper runs at start: an input of a job finished beyond INPUT_RETENTION_HOURS is gone, a fresh one stays', async () => {
    h = await BotHarness.start({ deferStart: true, env: { INPUT_RETENTION_HOURS: '24' }, captureLogsAt: 'info' });
    const s = SqliteJobStore.open(join(h.dataDir, 'comfycord.db'));
    const old = savedJob(s, { status: 'done', finishedHoursAgo: 0, inputs: {} });
    old.finishedAt = Date.now() - 48 * HOUR;
    old.deliveredAt = old.finishedAt;
    old.spec.inputs = { image: await keptFile(h.dataDir, `${old.id}-image.png`) };
    s.save(old);
    const fresh = savedJob(s, { status: 'done', inputs: {} });
    fresh.finishedAt = Date.now() - HOUR;
    fresh.deliveredAt = fresh.finishedAt;
    fresh.spec.inputs = { image: await keptFile(h.dataDir, `${fresh.id}-image.png`) };
    s.save(fresh);
    s.close();
    await h.startBot();
    await h.waitForLog('old input images deleted');
    expect(await readdir(join(h.dataDir, 'inputs'))).toEqual([`${fresh.id}-image.png`]);
  });

  it('/comfy status shows how much DATA_DIR/inputs holds and the disk\'s free space', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
    cdn = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
    h = await BotHarness.start();
    h.comfy.pause();
    const raw = await h.slash('img2img', [commandOption.attachment('image', uploadedAttachment({ url: cdn.url('/a.png'), filename: 'a.png', contentType: 'image/png', size: png.length })), commandOption.string('prompt', 'kept')]);
    await h.waitForEdit(raw, /Queued|Running/u, 10_000);
    const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };
    const status = await h.slash('comfy', [commandOption.subcommand('status', [])], admin);
    const edit = await h.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(status.token) && r.status === 200, 8000);
    const footer = messageJson(edit).embeds?.[0]?.footer?.text ?? '';
    expect(footer).toMatch(/^DATA_DIR\/inputs: 1 file, [\d.]+ (bytes|kB|MB) · disk: [\d.]+ (MB|GB) free of [\d.]+ (MB|GB)$/);
    h.comfy.resume();
  });
});
