/**
 * The error codes src/images (decoding and fitting images, checking other output files) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const IMAGE_ERROR_CODES = [
  'IMAGE_REJECTED',
  'IMAGE_TOO_LARGE',
  'MASK_REJECTED',
  'MEDIA_REJECTED',
  'MEDIA_TOOL_FAILED',
] as const;

export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number];
