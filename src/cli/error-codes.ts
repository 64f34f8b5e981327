/**
 * The error codes the CLI (src/cli.ts, src/cli/) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const CLI_ERROR_CODES = [
  'CLI_INTERRUPTED',
  'CLI_TIMEOUT',
  'CLI_USAGE',
  'CLI_PATH',
  'CLI_NO_IMAGES',
] as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];
