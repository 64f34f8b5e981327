import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { fitMediaToLimit } from '../../src/images/fit-media.ts';
import { fitVideoToLimit } from '../../src/images/fit-video.ts';
import { ImageTooLargeError } from '../../src/images/image-errors.ts';
import { MediaToolError } from '../../src/images/media-errors.ts';
import { mediaToolPath, runMediaTool } from '../../src/images/media-tool.ts';

/**
 * The fitter on real bytes with the packaged ffmpeg/ffprobe (issue 13.2): a 40 MB
 * video made here from noise comes out under 10 MB, lasting as long and decoding to
 * the end; animations stay animated; every run is bounded and leaves no temp folder.
 */

const MB = 1_000_000;
const ffmpeg = await mediaToolPath('ffmpeg');
const ffprobe = await mediaToolPath('ffprobe');
let dir: string;
let bigVideo: Buffer;

function durationOf(path: string): number {
  return Number(execFileSync(ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', path]).toString().trim());
}

/**
 * The fitter's work folders in this file's own temp folder (TMPDIR is set to it below):
 * other test files fit videos and grab frames at the same time in the run's shared temp
 * folder, so a check there saw their folders (issue 13 leftovers, a full-suite failure).
 */
function fitTempDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('comfycord-fit-'));
}

/** The fit folders that existed at any 20 ms poll while `work` ran. */
async function fitFoldersDuring<T>(work: () => Promise<T>): Promise<{ result: T; seen: Set<string> }> {
  const seen = new Set<string>();
  const poll = setInterval(() => {
    for (const name of fitTempDirs()) seen.add(name);
  }, 20);
  try {
    return { result: await work(), seen };
  } finally {
    clearInterval(poll);
  }
}

let runTemp: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fit-media-test-'));
  // This process's temp folder from here on (os.tmpdir() reads TMPDIR on each call); restored in afterAll.
  runTemp = process.env['TMPDIR'];
  process.env['TMPDIR'] = mkdtempSync(join(dir, 'tmp-'));
  // Lossless H.264 of fresh noise every frame does not compress: a few seconds are tens of MB.
  const source = join(dir, 'noise.mp4');
  execFileSync(ffmpeg, [
    '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'color=gray:s=640x360:r=24,noise=alls=100:allf=t+u',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', source,
  ]);
  bigVideo = readFileSync(source);
}, 120_000);

afterAll(() => {
  if (runTemp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = runTemp;
  rmSync(dir, { recursive: true, force: true });
});

describe('fitting a video to the upload limit', () => {
  it('fits a 40 MB video under a 10 MB limit, still playable, its ffprobe duration within 5 % of the original', async () => {
    expect(bigVideo.length).toBeGreaterThan(40 * MB);
    const { result: fitted, seen } = await fitFoldersDuring(() => fitMediaToLimit({ kind: 'video', mime: 'video/mp4', extension: 'mp4', filename: 'a.mp4' }, bigVideo, 10 * MB));
    // Its own work folder was there while it ran, and is gone now.
    expect(seen.size).toBe(1);
    expect(fitted.data.length).toBeLessThanOrEqual(10 * MB);
    expect(fitted.extension).toBe('mp4');
    expect(fitted.mime).toBe('video/mp4');
    const out = join(dir, 'fitted.mp4');
    writeFileSync(out, fitted.data);
    const original = durationOf(join(dir, 'noise.mp4'));
    expect(Math.abs(durationOf(out) - original)).toBeLessThanOrEqual(original * 0.05);
    // Playable: every frame decodes with no error printed.
    const decodeErrors = execFileSync(ffmpeg, ['-nostdin', '-v', 'error', '-i', out, '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    expect(decodeErrors).toBe('');
    expect(fitTempDirs()).toEqual([]);
  }, 180_000);

  it('keeps a video that already fits byte for byte', async () => {
    const small = readFileSync(join('test', 'fixtures', 'media', 'tiny.mp4'));
    const fitted = await fitMediaToLimit({ kind: 'video', mime: 'video/mp4', extension: 'mp4', filename: 'a.mp4' }, small, 10 * MB);
    expect(fitted.data.equals(small)).toBe(true);
  });

  it('says when nothing fits: a limit too small for the duration is ImageTooLargeError in words, no temp folder left', async () => {
    const error = await fitVideoToLimit(bigVideo, 'mp4', 20_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect((error as ImageTooLargeError).userMessage).toMatch(/^The video is [\d.]+ MB and could not be re-encoded under the 20 kB upload limit here\.$/);
    expect(fitTempDirs()).toEqual([]);
  });

  it('kills ffmpeg at its deadline: MediaToolError timeout, temp folder removed, no stderr in the user message', async () => {
    const started = Date.now();
    const error = await fitVideoToLimit(bigVideo, 'mp4', 10 * MB, { runTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaToolError);
    expect((error as MediaToolError).failure).toBe('timeout');
    expect((error as MediaToolError).userMessage).toBe('The re-encoder (ffmpeg) took too long.');
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(fitTempDirs()).toEqual([]);
  }, 30_000);

  it('a failing run keeps stderr for the log context only', async () => {
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, randomBytes(4096));
    const error = await runMediaTool('ffmpeg', ['-nostdin', '-i', junk, '-f', 'null', '-'], { timeoutMs: 10_000, maxStdoutBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaToolError);
    const toolError = error as MediaToolError;
    expect(toolError.failure).toBe('failed');
    expect(String(toolError.context['stderrTail'])).toContain('junk.mp4');
    expect(toolError.userMessage).not.toContain('junk');
  });

  it('stops a tool that prints more than its bound', async () => {
    const error = await runMediaTool('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=red:s=64x64', '-t', '5', '-f', 'rawvideo', '-'], { timeoutMs: 20_000, maxStdoutBytes: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaToolError);
    expect((error as MediaToolError).failure).toBe('output-too-large');
  });
});

describe('fitting an animation to the upload limit', () => {
  async function noiseAnimation(format: 'webp' | 'gif', side: number, frames: number): Promise<Buffer> {
    const raw = randomBytes(side * side * frames * 3);
    const image = sharp(raw, { raw: { width: side, height: side * frames, channels: 3, pageHeight: side } });
    const delay = Array.from({ length: frames }, () => 100);
    return format === 'webp' ? image.webp({ quality: 95, delay }).toBuffer() : image.gif({ delay }).toBuffer();
  }

  it.each(['webp', 'gif'] as const)('re-encodes an animated %s over the limit under it, still animated, same format', async (format) => {
    const data = await noiseAnimation(format, 256, 6);
    const limit = Math.floor(data.length / 4);
    const fitted = await fitMediaToLimit({ kind: 'animated', mime: `image/${format}`, extension: format, filename: `a.${format}` }, data, limit);
    expect(fitted.data.length).toBeLessThanOrEqual(limit);
    expect(fitted.extension).toBe(format);
    const meta = await sharp(fitted.data, { animated: true }).metadata();
    expect(meta.format).toBe(format);
    expect(meta.pages).toBe(6);
  }, 60_000);

  it('an animation no size brings under the limit is ImageTooLargeError', async () => {
    const data = await noiseAnimation('webp', 128, 4);
    const error = await fitMediaToLimit({ kind: 'animated', mime: 'image/webp', extension: 'webp', filename: 'a.webp' }, data, 200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect((error as ImageTooLargeError).userMessage).toContain('could not be re-encoded under the 200 bytes upload limit here.');
  }, 60_000);
});

describe('fitting a sound to the upload limit', () => {
  it('re-encodes a WAV over the limit as an MP3 under it, as long as the original', async () => {
    const wav = join(dir, 'tone.wav');
    execFileSync(ffmpeg, ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=6', '-ac', '2', wav]);
    const data = readFileSync(wav);
    const limit = 200_000;
    expect(data.length).toBeGreaterThan(limit);
    const fitted = await fitMediaToLimit({ kind: 'audio', mime: 'audio/wav', extension: 'wav', filename: 'a.wav' }, data, limit);
    expect(fitted.data.length).toBeLessThanOrEqual(limit);
    expect(fitted.extension).toBe('mp3');
    const out = join(dir, 'tone.mp3');
    writeFileSync(out, fitted.data);
    expect(Math.abs(durationOf(out) - 6)).toBeLessThanOrEqual(0.3);
  }, 60_000);
});
