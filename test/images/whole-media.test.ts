import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaRejectedError } from '../../src/images/media-errors.ts';
import { assertWholeFile } from '../../src/images/whole-media.ts';
import { MEDIA_FIXTURES_DIR } from '../support/repo-paths.ts';

/** Whole-file checks per kind on real bytes: the fixtures as made by ffmpeg, then cut short or swapped. */

const fixture = (name: string) => readFile(join(MEDIA_FIXTURES_DIR, name));
const CASES = [
  ['tiny.webm', 'video', 'video/webm'],
  ['tiny.mp4', 'video', 'video/mp4'],
  ['tiny.opus', 'audio', 'audio/ogg'],
] as const;

async function rejection(promise: Promise<void>): Promise<MediaRejectedError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(MediaRejectedError);
  return error as MediaRejectedError;
}

describe('assertWholeFile', () => {
  for (const [name, kind, mime] of CASES) {
    it(`GIVEN ${name} whole THEN it passes; cut by 100 bytes THEN incomplete`, async () => {
      const data = await fixture(name);
      await assertWholeFile({ kind, mime }, data, 'output 1');
      expect((await rejection(assertWholeFile({ kind, mime }, data.subarray(0, data.length - 100), 'output 1'))).reason).toBe('incomplete');
    });
  }

  it('GIVEN an HTML page named .mp4, or a FLAC said to be a webm THEN not-media', async () => {
    expect((await rejection(assertWholeFile({ kind: 'video', mime: 'video/mp4' }, Buffer.from('<html>502 Bad Gateway</html>'), 'x'))).reason).toBe('not-media');
    expect((await rejection(assertWholeFile({ kind: 'video', mime: 'video/webm' }, await fixture('tiny.flac'), 'x'))).reason).toBe('not-media');
  });

  it('GIVEN an animated WebP THEN every frame decodes; cut short THEN incomplete', async () => {
    const frames = 3;
    const raw = Buffer.alloc(16 * 16 * 3 * frames, 90);
    const webp = await sharp(raw, { raw: { width: 16, height: 16 * frames, channels: 3, pageHeight: 16 } }).webp({ delay: [100, 100, 100] }).toBuffer();
    await assertWholeFile({ kind: 'animated', mime: 'image/webp' }, webp, 'x');
    expect((await rejection(assertWholeFile({ kind: 'animated', mime: 'image/webp' }, webp.subarray(0, webp.length - 20), 'x'))).reason).toBe('incomplete');
  });
});
