/**
 * Every default of the ComfyUI adapter, written once: ComfyServerOptions, the socket
 * and the HTTP client each document theirs with `@default` and read the value here,
 * so the doc and the code cannot drift apart.
 */
export const COMFY_DEFAULTS = {
  previewMethod: 'auto',
  /** connect() and run() wait this long for the socket; also the WebSocket handshake timeout. */
  connectTimeoutMs: 10_000,
  /** One HTTP request, connect to last body byte. */
  requestTimeoutMs: 15_000,
  /** Uploads, /view and /object_info, which can be large. */
  transferTimeoutMs: 60_000,
  /** Largest output file /view may hand over (a video of a few minutes); more is refused mid-body. */
  maxViewBytes: 512 * 1024 * 1024,
  /** First reconnect delay (doubles per failed attempt, with jitter) and its cap. */
  minDelayMs: 500,
  maxDelayMs: 30_000,
  /** Heartbeat: ping interval and pong deadline. */
  pingIntervalMs: 15_000,
  pongTimeoutMs: 10_000,
  /** /history polling for in-flight runs while the socket is down. */
  pollIntervalMs: 2_000,
  /** In-flight runs checked against /queue and /history while connected. */
  resyncIntervalMs: 30_000,
  /** No frame this long after POST /prompt: the socket is replaced. */
  detachCheckMs: 5_000,
} as const;
