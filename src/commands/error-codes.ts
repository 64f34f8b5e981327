/**
 * The error codes src/commands (slash commands, buttons, modals) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const COMMAND_ERROR_CODES = [
  'BUTTON_INVALID',
  'ADMIN_ONLY',
  'REMIX_EXPIRED',
  'REMIX_NO_IMAGE',
  'RESULT_UNAVAILABLE',
  'JOB_STILL_RUNNING',
  'JOB_ID_INVALID',
  'SUBCOMMAND_UNKNOWN',
  'SETTINGS_EMPTY',
  'SETTING_INVALID',
  'CHANNEL_DEFAULT_STALE',
  'PROMPT_INVALID',
  'STRENGTH_INVALID',
  'REMIX_MODE_INVALID',
  'SIZE_INVALID',
  'TEMPLATE_WRONG_ROLE',
  'MASK_MISSING',
] as const;

export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];
