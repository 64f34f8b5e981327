import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageRejectedError } from '../../src/images/image-errors.ts';
import { assertWholeImage } from '../../src/images/whole-image.ts';

const png = () => sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();

async function rejection(data: Buffer): Promise<ImageRejectedError> {
  const error: unknown = await assertWholeImage(data, 'image 1').then(() => null, (caught: unknown) => caught);
  if (!(error instanceof ImageRejectedError)) throw new Error(`expected ImageRejectedError, got ${String(error)}`);
  return error;
}

describe('assertWholeImage', () => {
  it('GIVEN a whole PNG THEN it passes', async () => {
    await expect(assertWholeImage(await png(), 'image 1')).resolves.toBeUndefined();
  });

  it('GIVEN the first half of a PNG THEN it is refused as incomplete, naming the image', async () => {
    const data = await png();
    const error = await rejection(data.subarray(0, Math.floor(data.length / 2)));
    expect(error.reason).toBe('incomplete');
    expect(error.userMessage).toMatch(/incomplete or damaged PNG for image 1/);
  });

  it('GIVEN a PNG with damaged image data THEN it is refused as incomplete', async () => {
    const data = Buffer.from(await png());
    for (let index = 40; index < Math.min(data.length, 80); index += 1) data[index] = data[index]! ^ 0xff;
    expect((await rejection(data)).reason).toBe('incomplete');
  });

  it('GIVEN an HTML page THEN it is refused as not an image', async () => {
    expect((await rejection(Buffer.from('<html>502 Bad Gateway</html>'))).reason).toBe('not-image');
  });
});
