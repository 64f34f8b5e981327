import type { ComfyServer } from '../comfy/server.ts';
import { ComfyHttpError, ComfyUnavailableError } from '../comfy/errors.ts';
import { ComfycordError } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import { systemClock } from '../clock.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';
import { buildResultFiles, type ResultFileOptions, type ResultFiles } from './result-files.ts';
import type { DiscordErrorCode } from './error-codes.ts';

/** Waits between tries to fetch a result: a ComfyUI restart takes a few seconds, a slow one half a minute. */
const RESULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 20_000, stepsMs: [1_000, 3_000, 8_000, 20_000], maxAttempts: 5 };

/** Fetching a finished job's images took longer than DELIVERY_TIMEOUT_SECONDS, retries included. */
export class ResultFetchTimeoutError extends ComfycordError<DiscordErrorCode> {
  constructor(timeoutMs: number) {
    super('RESULT_FETCH_TIMEOUT', `ComfyUI did not hand them over within ${Math.round(timeoutMs / 1000)} s.`, { context: { timeoutMs } });
  }
}

/**
 * ComfyUI answered 404 for a result file: it no longer has it. Said with what it answered
 * and the likely cause, which a slow or failing server (a time-out, a 5xx) is not.
 */
export class ResultFilesGoneError extends ComfycordError<DiscordErrorCode> {
  constructor(cause: ComfyHttpError) {
    super('RESULT_FILES_GONE', `${cause.userMessage} ComfyUI may have been restarted or cleaned its output folder.`, { context: cause.context, cause });
  }
}

export interface FetchResultsOptions extends Omit<ResultFileOptions, 'signal'> {
  /** The whole fetch, every retry and wait included, ends by then (DELIVERY_TIMEOUT_SECONDS). */
  timeoutMs: number;
  onRetry?: (error: unknown, waitMs: number) => void;
}

/**
 * A finished job's result files, fetched from ComfyUI within one bound: a server
 * briefly unreachable or answering 5xx is tried again after a pause, anything else
 * fails at once, and a /view that never answers is cut off when the bound is reached.
 * A retry whose wait would end past the bound is not waited for: the last failure is
 * the answer ('answered HTTP 500 on GET /view' says more than that time ran out).
 */
export async function fetchResultFiles(job: Job, server: ComfyServer, options: FetchResultsOptions): Promise<ResultFiles> {
  const controller = new AbortController();
  const deadline = systemClock.now() + options.timeoutMs;
  const timer = setTimeout(() => controller.abort(new ResultFetchTimeoutError(options.timeoutMs)), options.timeoutMs);
  const { signal } = controller;
  try {
    const { timeoutMs: _timeoutMs, onRetry: _onRetry, ...fileOptions } = options;
    return await withRetry(() => buildResultFiles(job, server, { ...fileOptions, signal }), {
      policy: RESULT_RETRY,
      retryable: (error) => error instanceof ComfyUnavailableError || (error instanceof ComfyHttpError && error.status >= 500),
      signal,
      deadline,
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
  } catch (error) {
    throw error instanceof ComfyHttpError && error.status === 404 ? new ResultFilesGoneError(error) : error;
  } finally {
    clearTimeout(timer);
  }
}
