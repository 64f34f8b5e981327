import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitMediaToLimit } from '../../src/images/fit-media.ts';
import { fitVideoToLimit } from '../../src/images/fit-video.ts';
import { MediaToolError } from '../../src/images/media-errors.ts';
import { mediaToolPath } from '../../src/images/media-tool.ts';
import { TranscodeGate } from '../../src/images/transcode-gate.ts';

/**
 * One re-encode at a time (issue 13.2 leftover): ffmpeg and ffprobe are CPU- and
 * memory-heavy, and a burst of finished video jobs must not start one each. The real
 * packaged ffmpeg on real bytes; which processes run is read from /proc.
 */

const ffmpeg = await mediaToolPath('ffmpeg');
let dir: string;
let video: Buffer;

/** Our child processes that are ffmpeg or ffprobe, right now. */
function toolChildren(): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid && /^ff(mpeg|probe)/.test(comm)) count += 1;
  }
  return count;
}

/** Samples toolChildren() every few ms while `work` runs; returns its result and the most seen at once. */
async function peakToolsDuring<T>(work: Promise<T>): Promise<{ result: T; peak: number; seen: boolean }> {
  let peak = 0;
  let seen = false;
  const sampler = setInterval(() => {
    const now = toolChildren();
    peak = Math.max(peak, now);
    seen ||= now > 0;
  }, 3);
  try {
    return { result: await work, peak, seen };
  } finally {
    clearInterval(sampler);
  }
}

function deferred(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'transcode-gate-test-'));
  const source = join(dir, 'noise.mp4');
  execFileSync(ffmpeg, [
    '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=24',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', source,
  ]);
  video = readFileSync(source);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MP4 = { kind: 'video', mime: 'video/mp4', extension: 'mp4', filename: 'a.mp4' } as const;

describe('one re-encode at a time', () => {
  it('three videos over the limit fitted at once: never more than one ffmpeg or ffprobe running, all three fitted', async () => {
    const limit = Math.floor(video.length / 4);
    const { result, peak, seen } = await peakToolsDuring(Promise.all([0, 1, 2].map(() => fitMediaToLimit(MP4, video, limit))));
    expect(seen).toBe(true);
    expect(peak).toBe(1);
    for (const fitted of result) expect(fitted.data.length).toBeLessThanOrEqual(limit);
  }, 120_000);

  it('a full queue refuses the next one at once, in words; the waiting one runs when the slot frees', async () => {
    const gate = new TranscodeGate({ maxWaiting: 1, maxWaitMs: 10_000, maxRunMs: 10_000 });
    const first = deferred();
    const running = gate.run('ffmpeg', () => first.promise);
    const waiting = gate.run('ffmpeg', () => Promise.resolve('second'));
    expect(gate.waiting).toBe(1);
    const refused = await gate.run('ffmpeg', () => Promise.resolve('third')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MediaToolError);
    expect((refused as MediaToolError).failure).toBe('busy');
    expect((refused as MediaToolError).userMessage).toBe('The re-encoder (ffmpeg) is busy with other files.');
    expect((refused as MediaToolError).context).toMatchObject({ reason: 'queue-full', maxWaiting: 1 });
    first.resolve('first');
    expect(await Promise.all([running, waiting])).toEqual(['first', 'second']);
    expect(gate.waiting).toBe(0);
  });

  it('a wait for the slot has a deadline: the waiter is refused as busy, the running one goes on', async () => {
    const gate = new TranscodeGate({ maxWaiting: 4, maxWaitMs: 100, maxRunMs: 10_000 });
    const first = deferred();
    const running = gate.run('ffmpeg', () => first.promise);
    const started = Date.now();
    let ran = false;
    const refused = await gate
      .run('ffmpeg', () => {
        ran = true;
        return Promise.resolve('late');
      })
      .catch((error: unknown) => error);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect((refused as MediaToolError).failure).toBe('busy');
    expect((refused as MediaToolError).context).toMatchObject({ reason: 'waited-too-long', maxWaitMs: 100 });
    expect(gate.waiting).toBe(0);
    first.resolve('first');
    expect(await running).toBe('first');
    expect(ran).toBe(false);
  });

  it('a caller may wait less than the gate allows (a poster), never more', async () => {
    const gate = new TranscodeGate({ maxWaiting: 4, maxWaitMs: 300, maxRunMs: 10_000 });
    const first = deferred();
    const running = gate.run('ffmpeg', () => first.promise);
    const started = Date.now();
    const short = await gate.run('ffmpeg', () => Promise.resolve('poster'), undefined, { maxWaitMs: 50 }).catch((error: unknown) => error);
    expect(Date.now() - started).toBeLessThan(250);
    expect((short as MediaToolError).context).toMatchObject({ reason: 'waited-too-long', maxWaitMs: 50 });
    const long = await gate.run('ffmpeg', () => Promise.resolve('x'), undefined, { maxWaitMs: 60_000 }).catch((error: unknown) => error);
    expect((long as MediaToolError).context).toMatchObject({ reason: 'waited-too-long', maxWaitMs: 300 });
    first.resolve('first');
    expect(await running).toBe('first');
  });

  it('a run has a deadline: its ffmpeg is killed, the caller told it took too long, and the next one starts', async () => {
    const gate = new TranscodeGate({ maxWaiting: 4, maxWaitMs: 30_000, maxRunMs: 150 });
    const limit = Math.floor(video.length / 4);
    const started = Date.now();
    const slow = gate.run('ffmpeg', (signal) => fitVideoToLimit(video, 'mp4', limit, { signal })).catch((error: unknown) => error);
    const next = gate.run('ffmpeg', () => Promise.resolve(toolChildren()));
    const error = await slow;
    expect(error).toBeInstanceOf(MediaToolError);
    expect((error as MediaToolError).failure).toBe('timeout');
    expect((error as MediaToolError).userMessage).toBe('The re-encoder (ffmpeg) took too long.');
    expect(Date.now() - started).toBeLessThan(10_000);
    // The next one ran only once the killed ffmpeg was gone.
    expect(await next).toBe(0);
  }, 30_000);

  it('a caller that gives up while waiting leaves the queue at once', async () => {
    const gate = new TranscodeGate({ maxWaiting: 4, maxWaitMs: 30_000, maxRunMs: 30_000 });
    const first = deferred();
    const running = gate.run('ffmpeg', () => first.promise);
    const caller = new AbortController();
    const waiting = gate.run('ffmpeg', () => Promise.resolve('never'), caller.signal).catch((error: unknown) => error);
    expect(gate.waiting).toBe(1);
    caller.abort();
    expect(((await waiting) as MediaToolError).failure).toBe('aborted');
    expect(gate.waiting).toBe(0);
    first.resolve('first');
    expect(await running).toBe('first');
  });
});
