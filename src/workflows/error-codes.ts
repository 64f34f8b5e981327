/**
 * The error codes src/workflows (templates and their options) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const WORKFLOW_ERROR_CODES = [
  'TEMPLATE_INVALID',
  'TEMPLATE_UNKNOWN',
  'OPTION_UNKNOWN',
  'OPTION_REQUIRED',
  'OPTION_INVALID',
] as const;

export type WorkflowErrorCode = (typeof WORKFLOW_ERROR_CODES)[number];
