/**
 * The error codes src/app (the bot's services) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const APP_ERROR_CODES = [
  'INPUT_IMAGE_MISSING',
  'TEMPLATE_KIND_MISSING',
  'IMAGE_NOT_TAKEN',
  'IMAGE_REQUIRED',
  'PARENT_NOT_READY',
  'DOWNLOADS_BUSY',
  'HTTP_LISTEN',
] as const;

export type AppErrorCode = (typeof APP_ERROR_CODES)[number];
