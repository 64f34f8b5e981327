import { ComfycordError, type LogContext } from '../errors.ts';
import type { DiscordErrorCode } from './error-codes.ts';

/** Why an attachment download was refused; callers and tests match on this, not on wording. */
export type AttachmentRejectedReason =
  | 'bad-url'
  | 'host'
  | 'redirect'
  | 'too-large'
  | 'not-image'
  | 'http-status'
  | 'timeout'
  | 'network'
  | 'cancelled';

/** An image a person pointed us at that we will not (or could not) fetch. */
export class AttachmentRejectedError extends ComfycordError<DiscordErrorCode> {
  readonly reason: AttachmentRejectedReason;

  constructor(reason: AttachmentRejectedReason, userMessage: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('ATTACHMENT_REJECTED', userMessage, { context: { reason, ...options.context }, cause: options.cause });
    this.reason = reason;
  }
}
