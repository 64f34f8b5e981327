/**
 * The error codes src/access (who may do what, moderation) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const ACCESS_ERROR_CODES = [
  'ACCESS_DENIED',
  'BLOCKED_WORD',
  'DM_ROLES_UNAVAILABLE',
] as const;

export type AccessErrorCode = (typeof ACCESS_ERROR_CODES)[number];
