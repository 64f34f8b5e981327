/**
 * The error codes src/jobs (the queue and its jobs) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const JOB_ERROR_CODES = [
  'QUEUE_FULL',
  'USER_LIMIT',
  'COOLDOWN',
  'JOB_NOT_FOUND',
  'NOT_YOUR_JOB',
  'JOB_CANCELLED',
  'NO_SERVER',
  'JOB_STALLED',
  'JOB_TIMEOUT',
  'JOB_ILLEGAL_TRANSITION',
] as const;

export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];
