import { prepareMask } from '../images/mask-check.ts';
import { normaliseInputImage } from '../images/normalise-input.ts';

/**
 * `generate … --image a.png --mask m.png`: the mask checked against the image as it will
 * be uploaded (normalised: upright, scaled to the template's largest side) and made what
 * an inpaint template's LoadImageMask reads, the same check the bot runs
 * (src/images/mask-check.ts). A mask that cannot be used is a MaskRejectedError, printed
 * as one line before the server sees anything.
 */
export async function prepareInpaintInputs(image: Buffer, mask: Buffer, maxSide: number): Promise<{ image: Buffer; mask: Buffer }> {
  const normalised = await normaliseInputImage(image, { maxSide });
  const prepared = await prepareMask(mask, { width: normalised.width, height: normalised.height });
  return { image: normalised.png, mask: prepared.png };
}
