import { ComfycordError, type LogContext } from '../errors.ts';
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
