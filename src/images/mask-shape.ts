import { MASK_HOW_TO, MaskRejectedError } from './mask-errors.ts';

/**
 * Whether a mask has its image's shape (same aspect; any size, it is scaled to the
 * image): the rule behind the 'aspect' refusal, applied by prepareMask (mask-check.ts) to
 * the decoded pixels and, before a deferral, to the sizes Discord gives
 * (src/app/mask-precheck.ts). Pure arithmetic, so both read the same rule.
 */

export interface PixelSize {
  width: number;
  height: number;
}

/** How far the mask's shape may be from the image's: 1 %, or one pixel for small images (a size rounded when saved). */
const ASPECT_TOLERANCE = 0.01;

function sizeText(size: PixelSize): string {
  return `${size.width}×${size.height}`;
}

/** True when the mask's height is within 1 % (or one pixel) of the height the image's aspect gives its width. */
export function sameShape(mask: PixelSize, image: PixelSize): boolean {
  const expectedHeight = (mask.width * image.height) / image.width;
  return Math.abs(mask.height - expectedHeight) <= Math.max(1, expectedHeight * ASPECT_TOLERANCE);
}

/** The refusal of a mask of another shape than its image, with both sizes. */
export function maskShapeRefusal(mask: PixelSize, image: PixelSize): MaskRejectedError {
  return new MaskRejectedError('aspect', `The mask is ${sizeText(mask)} but the image is ${sizeText(image)}: they must have the same shape. ${MASK_HOW_TO}`, {
    context: { mask, image },
  });
}
