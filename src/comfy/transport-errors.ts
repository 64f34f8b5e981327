/** Why a request never got an answer, in a few words for the user message (undici and Node error codes). */

const TRANSPORT_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'answer stalled',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
};

export function describeTransportError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code in TRANSPORT_ERRORS) return TRANSPORT_ERRORS[code] ?? code;
    if (code.includes('CERT') || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return `TLS error ${code}`;
    return code;
  }
  if (error instanceof AggregateError && error.errors.length > 0) return describeTransportError(error.errors[0]);
  return error instanceof Error ? error.message : String(error);
}
