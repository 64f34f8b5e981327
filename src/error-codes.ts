/**
 * The error codes the base files (src/*.ts) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const BASE_ERROR_CODES = [
  'CONFIG_INVALID',
  'START_OPTION_UNKNOWN',
  'DISK_FULL',
  'CUSTOM_ID_INVALID',
] as const;

export type BaseErrorCode = (typeof BASE_ERROR_CODES)[number];
