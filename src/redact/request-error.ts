/**
 * discord.js request errors (DiscordAPIError, HTTPError, RateLimitError) carry the
 * request URL, which for interaction routes contains the interaction token (a secret
 * that lets anyone edit the reply for 15 minutes), and the whole request body with
 * every uploaded file's bytes. Both end up in a log line as soon as such an error is
 * logged. This cuts the token out of every string the error carries and reduces the
 * body to a note, in place, keeping status, code and rawError (retry_after) intact
 * for the code that decides what to do next.
 */

/** `/webhooks/{app}/{token}` and `/interactions/{id}/{token}`: the token is the segment after the id. */
const TOKEN_IN_PATH = /(\/(?:webhooks|interactions)\/\d+\/)[^/?#\s"']+/g;

export function redactRequestError<T>(error: T): T {
  if (typeof error !== 'object' || error === null) return error;
  const fields = error as Record<string, unknown>;
  for (const key of new Set(['message', 'stack', ...Object.keys(fields)])) {
    const value = fields[key];
    if (typeof value !== 'string') continue;
    const redacted = value.replace(TOKEN_IN_PATH, '$1[redacted]');
    if (redacted !== value) trySet(fields, key, redacted);
  }
  if (fields['requestBody'] !== undefined) trySet(fields, 'requestBody', '[omitted]');
  return error;
}

function trySet(target: Record<string, unknown>, key: string, value: unknown): void {
  try {
    target[key] = value;
  } catch {
    // A read-only field stays as it is; nothing else to do about it here.
  }
}
