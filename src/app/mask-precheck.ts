import { maskShapeRefusal, sameShape, type PixelSize } from '../images/mask-shape.ts';

/**
 * The mask's shape checked from the sizes Discord gives for the files (an attachment's
 * width and height), before anything is deferred or fetched, so a mask of another shape
 * is refused privately at once. Those sizes are the sender's word, not the bytes':
 * JobIntake checks the downloaded mask against the image again (src/images/mask-check.ts),
 * so this may only refuse what that check would refuse too. Hence:
 * - a file Discord gives no size for is left to that check;
 * - a mask that has the shape of the image turned a quarter passes here: a photo's stored
 *   width and height can be the other way round from its upright ones (its EXIF
 *   orientation), which only the decoder applies.
 */

/** Width and height as Discord's attachment object carries them: absent, null or 0 when it did not measure the file. */
export interface ReportedSize {
  width?: number | null | undefined;
  height?: number | null | undefined;
}

function measured(size: ReportedSize): PixelSize | null {
  const { width, height } = size;
  if (typeof width !== 'number' || typeof height !== 'number') return null;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) return null;
  return { width, height };
}

/** Throws the mask's 'aspect' refusal (MaskRejectedError) when both sizes are known and the mask fits the image neither way up. */
export function precheckMaskShape(mask: ReportedSize, image: ReportedSize): void {
  const maskSize = measured(mask);
  const imageSize = measured(image);
  if (maskSize === null || imageSize === null) return;
  if (sameShape(maskSize, imageSize) || sameShape(maskSize, { width: imageSize.height, height: imageSize.width })) return;
  throw maskShapeRefusal(maskSize, imageSize);
}
