/**
 * The error codes src/comfy (talking to ComfyUI) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const COMFY_ERROR_CODES = [
  'COMFY_UNAVAILABLE',
  'COMFY_HTTP_ERROR',
  'COMFY_BAD_RESPONSE',
  'COMFY_PROMPT_INVALID',
  'COMFY_EXECUTION_FAILED',
  'COMFY_INTERRUPTED',
  'COMFY_CANCELLED',
  'COMFY_PROMPT_LOST',
  'COMFY_UPLOAD_TOO_LARGE',
  'COMFY_FILE_TOO_LARGE',
] as const;

export type ComfyErrorCode = (typeof COMFY_ERROR_CODES)[number];
