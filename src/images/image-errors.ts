import { ComfycordError, type LogContext } from '../errors.ts';
import type { ImageErrorCode } from './error-codes.ts';

/** Why an image was refused; callers and tests match on this rather than on wording. */
export type ImageRejectedReason = 'not-image' | 'unsupported-format' | 'undecodable' | 'too-many-pixels' | 'incomplete';

/** An image a person supplied (or ComfyUI produced) that we will not decode. */
export class ImageRejectedError extends ComfycordError<ImageErrorCode> {
  readonly reason: ImageRejectedReason;

  constructor(reason: ImageRejectedReason, userMessage: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('IMAGE_REJECTED', userMessage, { context: { reason, ...options.context }, cause: options.cause });
    this.reason = reason;
  }
}

/** No encoding or size we are willing to try brings the image under the upload limit. */
export class ImageTooLargeError extends ComfycordError<ImageErrorCode> {
  constructor(userMessage: string, context: LogContext = {}) {
    super('IMAGE_TOO_LARGE', userMessage, { context });
  }
}
