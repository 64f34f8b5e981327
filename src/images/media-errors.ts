import { ComfycordError, type LogContext } from '../errors.ts';
import type { ImageErrorCode } from './error-codes.ts';

/** The kinds of output file this layer checks and fits (the core's OutputFileKind, src/jobs/run-events.ts). */
export type MediaKind = 'image' | 'animated' | 'video' | 'audio';

/** Why an animation, video or sound was refused: not what it claimed, or cut short. */
export type MediaRejectedReason = 'not-media' | 'incomplete';

/** An output file (animation, video, sound) whose bytes are not a whole file of its kind. */
export class MediaRejectedError extends ComfycordError<ImageErrorCode> {
  readonly reason: MediaRejectedReason;

  constructor(reason: MediaRejectedReason, userMessage: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('MEDIA_REJECTED', userMessage, { context: { reason, ...options.context }, cause: options.cause });
    this.reason = reason;
  }
}
