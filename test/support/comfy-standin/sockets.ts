import { WebSocket } from 'ws';
import { pyJson } from './py-json.ts';

/**
 * ComfyUI's `sockets` / `sockets_metadata` dicts, keyed by client id. A second
 * socket with the same id replaces the first (which then gets nothing, not even
 * broadcasts), and closing any socket deletes the entry for its id, even when the
 * entry now belongs to the newer socket (7b_duplicate_client_id).
 */

interface Entry {
  ws: WebSocket;
  flags: Record<string, unknown>;
}

export class SocketTable {
  readonly #entries = new Map<string, Entry>();

  attach(sid: string, ws: WebSocket): void {
    this.#entries.set(sid, { ws, flags: {} });
  }

  /** The `finally` of ComfyUI's handler: removes whatever socket holds `sid` now. */
  detach(sid: string): void {
    this.#entries.delete(sid);
  }

  /** Feature flags are stored on the entry for `sid`, whichever socket sent them. */
  setFlags(sid: string, flags: Record<string, unknown>): void {
    const entry = this.#entries.get(sid);
    if (entry !== undefined) entry.flags = flags;
  }

  supportsPreviewMetadata(sid: string | null): boolean {
    return sid !== null && this.#entries.get(sid)?.flags['supports_preview_metadata'] === true;
  }

  /** `send_sync(type, data, sid)`: null broadcasts; an absent sid drops the message. */
  sendJson(type: string, data: unknown, sid: string | null): void {
    this.#deliver(pyJson({ type, data }), sid);
  }

  sendBinary(frame: Buffer, sid: string | null): void {
    this.#deliver(frame, sid);
  }

  /**
   * Test hook: `payload` as one frame, exactly as given (text for a string, binary
   * for a Buffer), to `sid` or to every socket. Returns how many sockets got it.
   */
  sendRaw(payload: string | Buffer, sid: string | null): number {
    const open = (sid === null ? [...this.#entries.values()] : [this.#entries.get(sid)]).filter((e) => e?.ws.readyState === WebSocket.OPEN);
    this.#deliver(payload, sid);
    return open.length;
  }

  clear(): void {
    this.#entries.clear();
  }

  #deliver(payload: string | Buffer, sid: string | null): void {
    const targets = sid === null ? [...this.#entries.values()] : [this.#entries.get(sid)].filter((e) => e !== undefined);
    for (const { ws } of targets) {
      if (ws.readyState === WebSocket.OPEN) ws.send(payload, { binary: typeof payload !== 'string' });
    }
  }
}
