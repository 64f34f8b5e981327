import type { BaseErrorCode } from './error-codes.ts';
import { ComfycordError } from './errors.ts';

/** What the user reads when a write under DATA_DIR found no space (the words). */
export const DISK_FULL_MESSAGE = "The bot's disk is full; an admin has been told.";

/** A write under DATA_DIR found the disk full (or over quota): said plainly to the user; the log context names the path. */
export class DiskFullError extends ComfycordError<BaseErrorCode> {
  constructor(path: string, cause: unknown) {
    super('DISK_FULL', DISK_FULL_MESSAGE, { context: { path }, cause, message: `disk full writing ${path}` });
  }
}

/** SQLite's SQLITE_FULL primary result code ("database or disk is full"). */
const SQLITE_FULL = 13;

/**
 * ENOSPC (no space left), EDQUOT (quota) and SQLite's SQLITE_FULL: the ways a write
 * says the disk is full. node:sqlite puts the extended result code in `errcode`; its low byte is the primary one.
 */
export function isDiskFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' && (errcode & 0xff) === SQLITE_FULL;
}
