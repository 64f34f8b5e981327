import { WebSocket } from 'ws';

/**
 * A recording WebSocket client for tests: keeps every frame in arrival order and
 * lets a test wait (with a timeout) for a frame matching a predicate.
 */

export type Frame =
  | { kind: 'text'; type: string; data: Record<string, unknown>; raw: string }
  | { kind: 'binary'; eventType: number; bytes: Buffer };

export type TextFrame = Extract<Frame, { kind: 'text' }>;

export class TestSocket {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<number>;
  #listeners = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) {
        this.frames.push({ kind: 'binary', eventType: bytes.length >= 4 ? bytes.readUInt32BE(0) : -1, bytes });
      } else {
        const raw = bytes.toString('utf8');
        const parsed = JSON.parse(raw) as { type: string; data: Record<string, unknown> };
        this.frames.push({ kind: 'text', type: parsed.type, data: parsed.data, raw });
      }
      for (const listener of this.#listeners) listener();
    });
  }

  /** `baseUrl` is the stand-in's http URL; `clientId` null connects without one. */
  static open(baseUrl: string, clientId: string | null, headers: Record<string, string> = {}): Promise<TestSocket> {
    const query = clientId === null ? '' : `?clientId=${encodeURIComponent(clientId)}`;
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws${query}`, { headers });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`ws upgrade answered ${res.statusCode}`));
      });
    });
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  texts(): TextFrame[] {
    return this.frames.filter((frame): frame is TextFrame => frame.kind === 'text');
  }

  /** `status`, `progress`, ... for text frames; `bin1`, `bin3`, `bin4` for binary ones. */
  types(from = 0): string[] {
    return this.frames.slice(from).map((frame) => (frame.kind === 'text' ? frame.type : `bin${frame.eventType}`));
  }

  /** The first frame at index >= `from` matching `predicate`, waiting for it if needed. */
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 3000, from = 0): Promise<Frame> {
    const find = (): Frame | undefined => this.frames.slice(from).find(predicate);
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const frame = find();
        if (frame === undefined) return;
        done();
        resolve(frame);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`TestSocket: no matching frame within ${timeoutMs} ms; got ${this.types().join(',')}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
    });
  }

  async waitForText(type: string, predicate: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 3000): Promise<TextFrame> {
    const frame = await this.waitFor((f) => f.kind === 'text' && f.type === type && predicate(f.data), timeoutMs);
    return frame as TextFrame;
  }

  /** Waits for `executing {node: null, prompt_id}`: the end of a run for its client. */
  finished(promptId: string, timeoutMs = 3000): Promise<TextFrame> {
    return this.waitForText('executing', (d) => d['node'] === null && d['prompt_id'] === promptId, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
