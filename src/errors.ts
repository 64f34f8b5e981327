/**
 * Every failure we expect (bad option, server down, validation error) is a
 * `ComfycordError`: a stable `code` callers match on, a `userMessage` that is safe
 * to show a person (no secrets, no stack), and a `context` for the log line.
 * Anything that is not a ComfycordError is a bug and is logged as one.
 *
 * Each layer lists its codes in one module (`src/<layer>/error-codes.ts`; the base
 * files' in src/error-codes.ts) and its error classes name that union as `C`, so a
 * code is spelled in one list and raised by one class (test/errors/error-codes.test.ts).
 */
export type LogContext = Record<string, unknown>;

export class ComfycordError<C extends string = string> extends Error {
  readonly code: C;
  readonly userMessage: string;
  readonly context: LogContext;

  constructor(code: C, userMessage: string, options: { context?: LogContext; cause?: unknown; message?: string } = {}) {
    super(options.message ?? userMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userMessage = userMessage;
    this.context = options.context ?? {};
  }

  override get name(): string {
    return `ComfycordError[${this.code}]`;
  }
}

export function isComfycordError(value: unknown): value is ComfycordError {
  return value instanceof ComfycordError;
}

/** The message to show a person for any thrown value; bugs get a generic text. */
export function userMessageOf(error: unknown): string {
  return isComfycordError(error) ? error.userMessage : 'Something went wrong inside the bot. The error was logged.';
}
