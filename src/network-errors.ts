/**
 * A request that never got an answer, as Node and undici report it: one table for every
 * adapter. ComfyUI's HTTP and WebSocket clients say why in a user message
 * (describeNetworkError), Discord's login says which code stopped it (networkReason), and
 * the reply editor and the deferral retry treat the same codes as worth another try
 * (isNetworkError). Codes are read by shape (a string `code`), so undici's, ws's,
 * discord.js's and Node's errors are all understood.
 */
const NETWORK_ERRORS = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_CLOSED: 'connection closed',
} as const satisfies Record<string, string>;

type NetworkErrorCode = keyof typeof NETWORK_ERRORS;

/** How deep `cause` is followed (discord.js and fetch wrap the socket's error). */
const MAX_CAUSE_DEPTH = 5;

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function isNetworkCode(code: unknown): code is NetworkErrorCode {
  return typeof code === 'string' && Object.hasOwn(NETWORK_ERRORS, code);
}

/**
 * The connection failed or dropped (refused, reset, DNS, timeout): the same request may
 * well succeed later. The code may be on the error or on a cause it wraps (fetch's
 * "fetch failed" TypeError carries the socket's error as its cause).
 */
export function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth += 1) {
    if (isNetworkCode(codeOf(current))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Why a request never got an answer, in a few words for a user message: the table's
 * phrase for a known code, "TLS error <code>" for a certificate or TLS code, the code
 * itself otherwise; an AggregateError (one error per address tried) is read by its first.
 */
export function describeNetworkError(error: unknown): string {
  const code = codeOf(error);
  if (typeof code === 'string') {
    if (isNetworkCode(code)) return NETWORK_ERRORS[code];
    if (code.includes('CERT') || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return `TLS error ${code}`;
    return code;
  }
  if (error instanceof AggregateError && error.errors.length > 0) return describeNetworkError(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}

/**
 * The innermost cause's code (ECONNREFUSED, ENOTFOUND, ETIMEDOUT…), "timed out" for an
 * abort or timeout, else "no answer": short, and free of secrets (a message may
 * carry a URL, and a webhook URL holds a token).
 */
export function networkReason(error: unknown): string {
  let current: unknown = error;
  let reason = 'no answer';
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    const code = codeOf(current);
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) reason = code;
    else if (current.name === 'AbortError' || current.name === 'TimeoutError') reason = 'timed out';
    current = current.cause;
  }
  return reason;
}
