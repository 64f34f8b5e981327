import { ComfycordError, type LogContext } from '../errors.ts';
import type { ComfyErrorCode } from './error-codes.ts';

/**
 * Every way talking to ComfyUI can fail, as ComfycordErrors with a stable code.
 * User messages name the server by host only: a base URL can carry credentials
 * and a path prefix that is nobody's business in a Discord channel.
 */

/** Connection refused, DNS failure, timeout, socket never became ready. */
export class ComfyUnavailableError extends ComfycordError<ComfyErrorCode> {
  readonly host: string;
  /** Our own words for why ("connection refused", "HTTP 401"), never the server's text. */
  readonly detail: string;
  constructor(host: string, detail: string, options: { context?: LogContext; cause?: unknown } = {}) {
    super('COMFY_UNAVAILABLE', `ComfyUI at ${host} is not reachable (${detail}).`, {
      context: { host, ...options.context },
      cause: options.cause,
    });
    this.host = host;
    this.detail = detail;
  }
}

/** How much of an unrecognised error body goes into the log line (never into a reply). */
export const LOGGED_BODY_CHARS = 300;

/** The start of an untrusted body for the log: one line, at most LOGGED_BODY_CHARS characters. */
export function bodyExcerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > LOGGED_BODY_CHARS ? `${flat.slice(0, LOGGED_BODY_CHARS)}…` : flat;
}

/**
 * A non-2xx answer that is not a prompt validation error. Whatever the body says came
 * from ComfyUI or from a proxy in front of it, and proxies' error pages often repeat
 * the request's headers (our credentials): the user message is only the
 * classification, the body goes to the log context, shortened.
 */
export class ComfyHttpError extends ComfycordError<ComfyErrorCode> {
  readonly status: number;
  readonly method: string;
  readonly path: string;
  constructor(host: string, method: string, path: string, status: number, body: string) {
    super('COMFY_HTTP_ERROR', `ComfyUI at ${host} answered HTTP ${status} on ${method} ${path}.`, {
      context: { host, method, path, status, body: bodyExcerpt(body) },
    });
    this.status = status;
    this.method = method;
    this.path = path;
  }
}

/** A 2xx answer whose body is not what the route returns (a proxy's HTML page, say). */
export class ComfyBadResponseError extends ComfycordError<ComfyErrorCode> {
  constructor(host: string, method: string, path: string, detail: string) {
    super('COMFY_BAD_RESPONSE', `ComfyUI at ${host} sent an answer to ${method} ${path} that could not be read (${detail}).`, {
      context: { host, method, path },
    });
  }
}

/** One problem ComfyUI's validator found, in our terms. */
export interface PromptIssue {
  nodeId: string | null;
  classType: string | null;
  inputName: string | null;
  value: unknown;
  /** ComfyUI's error type, e.g. `value_not_in_list`. */
  type: string;
  /** The readable sentence, without the node prefix. */
  text: string;
}

/** `POST /prompt` answered 400: the graph (or the request) was refused before queueing. */
export class PromptValidationError extends ComfycordError<ComfyErrorCode> {
  readonly errorType: string;
  readonly issues: PromptIssue[];
  readonly nodeErrors: unknown;
  constructor(userMessage: string, errorType: string, issues: PromptIssue[], nodeErrors: unknown, rawError: unknown) {
    super('COMFY_PROMPT_INVALID', userMessage, { context: { errorType, error: rawError, nodeErrors } });
    this.errorType = errorType;
    this.issues = issues;
    this.nodeErrors = nodeErrors;
  }
}

export interface ExecutionFailure {
  promptId: string;
  nodeId: string | null;
  nodeType: string | null;
  exceptionType: string;
  exceptionMessage: string;
}

function nodeLabel(nodeId: string | null, nodeType: string | null): string {
  if (nodeId === null) return nodeType ?? 'an unknown node';
  return nodeType === null ? `node ${nodeId}` : `node ${nodeId} (${nodeType})`;
}

/** A node raised while running (`execution_error`). */
export class ComfyExecutionError extends ComfycordError<ComfyErrorCode> {
  readonly promptId: string;
  readonly nodeId: string | null;
  readonly nodeType: string | null;
  readonly exceptionType: string;
  readonly exceptionMessage: string;
  constructor(failure: ExecutionFailure) {
    const message = failure.exceptionMessage.trim() || failure.exceptionType;
    super('COMFY_EXECUTION_FAILED', `ComfyUI failed in ${nodeLabel(failure.nodeId, failure.nodeType)}: ${message.slice(0, 500)}`, {
      context: { ...failure },
      message: `ComfyUI failed in ${nodeLabel(failure.nodeId, failure.nodeType)}: ${failure.exceptionType}: ${message}`,
    });
    this.promptId = failure.promptId;
    this.nodeId = failure.nodeId;
    this.nodeType = failure.nodeType;
    this.exceptionType = failure.exceptionType;
    this.exceptionMessage = failure.exceptionMessage;
  }
}

/** The run was stopped on the server (`execution_interrupted`), by someone other than us. */
export class ComfyInterruptedError extends ComfycordError<ComfyErrorCode> {
  readonly promptId: string;
  readonly nodeId: string | null;
  readonly nodeType: string | null;
  constructor(promptId: string, nodeId: string | null, nodeType: string | null) {
    super('COMFY_INTERRUPTED', `The job was interrupted on ComfyUI${nodeId === null ? '' : ` in ${nodeLabel(nodeId, nodeType)}`}.`, {
      context: { promptId, nodeId, nodeType },
    });
    this.promptId = promptId;
    this.nodeId = nodeId;
    this.nodeType = nodeType;
  }
}

/** Our own AbortSignal cancelled the run; the prompt was deleted or interrupted on the server. */
export class ComfyCancelledError extends ComfycordError<ComfyErrorCode> {
  readonly promptId: string;
  readonly phase: 'before-submit' | 'queued' | 'running';
  constructor(promptId: string, phase: 'before-submit' | 'queued' | 'running') {
    super('COMFY_CANCELLED', 'The job was cancelled.', { context: { promptId, phase } });
    this.promptId = promptId;
    this.phase = phase;
  }
}

/** The server forgot the prompt (restart) again after it was resubmitted once. */
export class ComfyPromptLostError extends ComfycordError<ComfyErrorCode> {
  constructor(host: string, promptIds: string[]) {
    super(
      'COMFY_PROMPT_LOST',
      `ComfyUI at ${host} lost the job twice (it was probably restarted while the job waited or ran). Please try again.`,
      { context: { host, promptIds } },
    );
  }
}

/** Sizes in words: 8.0 KB, 12.3 MB. */
function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The upload would be over the server's `max_upload_size`: refused here rather than answered 413 there. */
export class ComfyUploadTooLargeError extends ComfycordError<ComfyErrorCode> {
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(host: string, bytes: number, maxBytes: number) {
    super(
      'COMFY_UPLOAD_TOO_LARGE',
      `The image is too large for ComfyUI at ${host}: ${formatBytes(bytes)}, and it accepts uploads of at most ${formatBytes(maxBytes)}.`,
      { context: { host, bytes, maxBytes } },
    );
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/** An output file larger than the bot will fetch (COMFY_DEFAULTS.maxViewBytes): refused without reading the rest. */
export class ComfyFileTooLargeError extends ComfycordError<ComfyErrorCode> {
  constructor(host: string, filename: string, maxBytes: number, declaredBytes: number | null) {
    super('COMFY_FILE_TOO_LARGE', `ComfyUI at ${host} made a file larger than the bot fetches (over ${formatBytes(maxBytes)}).`, {
      context: { host, filename, maxBytes, declaredBytes },
    });
  }
}
