import { imageSize, shrinkTo } from '../images/outpaint-image.ts';
import { outpaintActionOf, padOptions, planOutpaint, type OutpaintPlan, type Template } from '../workflows/index.ts';

/** The largest side an outpaint result may have when the template names none (its `maxSize`). */
export const DEFAULT_OUTPAINT_MAX_SIDE = 2048;

export interface PreparedOutpaint {
  /** The image to upload: the original, or shrunk when the frame was capped. */
  image: Buffer;
  /** The job's values with `zoom`/`pan`/`square` replaced by the pads. */
  values: Record<string, unknown>;
  plan: OutpaintPlan;
}

/**
 * Turns an outpaint job's action into pads once its image is at hand: the image's
 * size read, the plan made (src/workflows/outpaint.ts) within the template's largest
 * side, and the image shrunk when the plan says so. Null for a job that names no
 * action (its pads, if any, were given as they are).
 */
export async function prepareOutpaint(template: Template, values: Record<string, unknown>, image: Buffer): Promise<PreparedOutpaint | null> {
  if (template.role !== 'outpaint') return null;
  const parsed = outpaintActionOf(values, template.name);
  if (parsed === null) return null;
  const plan = planOutpaint(await imageSize(image), parsed.action, template.maxSize ?? DEFAULT_OUTPAINT_MAX_SIDE);
  const shrunk = plan.scaled ? await shrinkTo(image, plan.image.width, plan.image.height) : image;
  return { image: shrunk, values: { ...parsed.rest, ...padOptions(plan.pads) }, plan };
}
