/**
 * The error codes src/store (the SQLite store) raises: stable names logs, tests and callers match on.
 * Each is raised by one error class of this layer (test/errors/error-codes.test.ts).
 */
export const STORE_ERROR_CODES = [
  'STORE_SQLITE_UNAVAILABLE',
  'STORE_OPEN_FAILED',
  'STORE_SCHEMA_TOO_NEW',
  'STORE_MIGRATION_FAILED',
  'STORE_IN_USE',
  'STORE_IDENTITY',
  'STORE_BACKUP_FAILED',
  'STORE_CORRUPT_ROW',
  'SETTING_VALUE_INVALID',
] as const;

export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];
