import { describe, expect, it } from 'vitest';
import { precheckMaskShape } from '../../src/app/mask-precheck.ts';
import { MaskRejectedError } from '../../src/images/mask-errors.ts';

/**
 * The shape check from Discord's sizes, before a deferral: it refuses only what the check
 * of the downloaded mask (src/images/mask-check.ts) refuses too, and leaves everything it
 * cannot judge to that check.
 */

function refusal(mask: Parameters<typeof precheckMaskShape>[0], image: Parameters<typeof precheckMaskShape>[1]): unknown {
  try {
    precheckMaskShape(mask, image);
    return null;
  } catch (error) {
    return error;
  }
}

describe('precheckMaskShape', () => {
  it('refuses a mask of another shape with both sizes, as the check after download says it', () => {
    const error = refusal({ width: 64, height: 64 }, { width: 96, height: 64 });
    expect(error).toBeInstanceOf(MaskRejectedError);
    expect(error).toMatchObject({ code: 'MASK_REJECTED', reason: 'aspect' });
    expect((error as MaskRejectedError).userMessage).toBe(
      'The mask is 64×64 but the image is 96×64: they must have the same shape. Paint the part to change white on black (or erase it to transparent) on a copy of the image.',
    );
  });

  it.each([
    ['the same size', { width: 96, height: 64 }, { width: 96, height: 64 }],
    ['half the size, the same shape', { width: 48, height: 32 }, { width: 96, height: 64 }],
    ['a pixel off after rounding', { width: 97, height: 64 }, { width: 96, height: 64 }],
    ['within 1 %', { width: 2000, height: 1515 }, { width: 4000, height: 3000 }],
    ['the image turned a quarter (EXIF orientation not applied to the sizes)', { width: 64, height: 96 }, { width: 96, height: 64 }],
  ])('lets through %s', (_name, mask, image) => {
    expect(refusal(mask, image)).toBeNull();
  });

  it.each([
    ['no sizes for the mask', {}, { width: 96, height: 64 }],
    ['no sizes for the image', { width: 64, height: 64 }, {}],
    ['null sizes', { width: null, height: null }, { width: 96, height: 64 }],
    ['a zero size', { width: 0, height: 64 }, { width: 96, height: 64 }],
    ['a fractional size', { width: 64.5, height: 64 }, { width: 96, height: 64 }],
  ])('leaves %s to the check after download', (_name, mask, image) => {
    expect(refusal(mask, image)).toBeNull();
  });

  it('just beyond 1 % is refused', () => {
    expect(refusal({ width: 2000, height: 1520 }, { width: 4000, height: 3000 })).toMatchObject({ reason: 'aspect' });
  });
});
