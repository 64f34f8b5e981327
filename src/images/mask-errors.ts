import { ComfycordError, isComfycordError, type LogContext } from '../errors.ts';
import type { ImageErrorCode } from './error-codes.ts';

/** Why a mask cannot be used; callers and tests match on this rather than on wording. */
export type MaskRejectedReason = 'undecodable' | 'aspect' | 'empty' | 'full';

/** A mask (Vary (Region), /inpaint) that marks no usable region of its image. */
export class MaskRejectedError extends ComfycordError<ImageErrorCode> {
  readonly reason: MaskRejectedReason;

  constructor(reason: MaskRejectedReason, userMessage: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('MASK_REJECTED', userMessage, { context: { reason, ...options.context }, cause: options.cause });
    this.reason = reason;
  }
}

/** How to make a mask that works, said after every refusal that a new mask can fix. */
export const MASK_HOW_TO = 'Paint the part to change white on black (or erase it to transparent) on a copy of the image.';

/** A mask whose bytes no decoder reads (or that was cut short). */
export function undecodableMask(cause: unknown): MaskRejectedError {
  return new MaskRejectedError('undecodable', `The mask could not be read as an image (PNG, JPEG or WebP). ${MASK_HOW_TO}`, { cause });
}

/**
 * A refusal of the mask's file as "not an image" (the download's sniff or the decoder's,
 * both with reason 'not-image'), said as the mask's own refusal; anything else unchanged.
 */
export function asMaskRefusal(error: unknown): unknown {
  return isComfycordError(error) && error.context['reason'] === 'not-image' ? undecodableMask(error) : error;
}
