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

/** Why ffmpeg or ffprobe did not give an answer. */
export type MediaToolFailure = 'missing' | 'failed' | 'timeout' | 'output-too-large' | 'aborted' | 'busy';

const TOOL_WORDS: Record<MediaToolFailure, string> = {
  missing: 'is not available on this machine',
  failed: 'could not read or re-encode it',
  timeout: 'took too long',
  'output-too-large': 'produced more output than allowed',
  aborted: 'was stopped',
  busy: 'is busy with other files',
};

/**
 * ffmpeg or ffprobe failed, was killed at its deadline or is missing, or the re-encoder
 * had no free slot in time (transcode-gate.ts). The user message
 * names only what happened; the tool's stderr stays in the log context.
 */
export class MediaToolError extends ComfycordError<ImageErrorCode> {
  readonly failure: MediaToolFailure;

  constructor(failure: MediaToolFailure, tool: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('MEDIA_TOOL_FAILED', `The re-encoder (${tool}) ${TOOL_WORDS[failure]}.`, { context: { failure, tool, ...options.context }, cause: options.cause });
    this.failure = failure;
  }
}
