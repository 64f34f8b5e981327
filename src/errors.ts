/**
 * Every failure we expect (bad option, server down, validation error) is a
 * `ComfycordError`: a stable `code` callers match on, a `userMessage` that is safe
 * to show a person (no secrets, no stack), and a `context` for the log line.
 * Anything that is not a ComfycordError is a bug and is logged as one.
 */
export type LogContext = Record<string, unknown>;

export class ComfycordError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly context: LogContext;

  constructor(code: string, userMessage: string, options: { context?: LogContext; cause?: unknown; message?: string } = {}) {
    super(options.message ?? userMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userMessage = userMessage;
    this.context = options.context ?? {};
  }

  override get name(): string {
    return `ComfycordError[${this.code}]`;
  }
}

/** A user's input was refused: an out-of-range option, an unknown template, a bad file. */
export class InputError extends ComfycordError {
  constructor(userMessage: string, context: LogContext = {}) {
    super('INPUT_INVALID', userMessage, { context });
  }
}

export function isComfycordError(value: unknown): value is ComfycordError {
  return value instanceof ComfycordError;
}

/** The message to show a person for any thrown value; bugs get a generic text. */
export function userMessageOf(error: unknown): string {
  return isComfycordError(error) ? error.userMessage : 'Something went wrong inside the bot. The error was logged.';
}
