import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { constants as zlibConstants, createDeflate, type Deflate } from 'node:zlib';
import { GatewayCloseCodes, GatewayDispatchEvents, GatewayOpcodes, type APIInteraction } from 'discord.js';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { createStandinWorld, worldGuilds, type StandinWorld } from './fixtures.ts';
import { guildCreatePayload, readyPayload } from './gateway-dispatches.ts';
import { WaitableLog } from './request-log.ts';

export interface DiscordGatewayStandinOptions {
  world?: StandinWorld;
  /** When set, an IDENTIFY or RESUME with another token is closed with 4004. */
  botToken?: string;
  /** Sent in HELLO. Default 41 250 ms, Discord's usual value. */
  heartbeatIntervalMs?: number;
  /** Called with every interaction before it is dispatched; the façade registers it with the REST stand-in. */
  onInteraction?: (raw: APIInteraction) => void;
}

/** A frame the bot sent. IDENTIFY and RESUME have their token replaced by `tokenMatched`. */
export interface GatewayFrame {
  at: number;
  connection: number;
  op: number;
  d: unknown;
}

/** Connection lifecycle as the stand-in saw it. */
export type GatewayEvent =
  | { kind: 'connected'; connection: number; query: Record<string, string> }
  | { kind: 'ready'; connection: number; sessionId: string }
  | { kind: 'resumed'; connection: number; sessionId: string; replayed: number }
  | { kind: 'closed'; connection: number; code: number; by: 'client' | 'standin' };

const ENDS_SESSION = new Set([1000, 1001, 4004, 4010, 4011, 4012, 4013, 4014]);

interface Session {
  id: string;
  seq: number;
  history: Array<{ s: number; t: string; d: unknown }>;
  connection: Connection | null;
}

interface Connection {
  id: number;
  socket: WebSocket;
  deflate: Deflate | null;
  session: Session | null;
  sending: Promise<void>;
}

/**
 * A loopback Discord gateway (v10, JSON, optional zlib-stream): HELLO, IDENTIFY → READY
 * and one GUILD_CREATE per guild, heartbeat ACKs, RESUME with replay, and dispatches
 * pushed by the test (`sendInteraction`).
 */
export class DiscordGatewayStandin {
  readonly world: StandinWorld;
  readonly url: string;
  /** Set false to stop answering heartbeats (a zombie connection, from the bot's side). */
  ackHeartbeats = true;
  readonly frames = new WaitableLog<GatewayFrame>((frame) => `op ${frame.op}`);
  readonly events = new WaitableLog<GatewayEvent>((event) => event.kind);

  readonly #server: WebSocketServer;
  readonly #options: DiscordGatewayStandinOptions;
  readonly #sessions = new Map<string, Session>();
  readonly #connections = new Set<Connection>();
  #nextConnectionId = 1;

  private constructor(server: WebSocketServer, options: DiscordGatewayStandinOptions) {
    this.#server = server;
    this.#options = options;
    this.world = options.world ?? createStandinWorld();
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (socket, request) => this.#accept(socket, new URL(request.url ?? '/', this.url)));
  }

  static async start(options: DiscordGatewayStandinOptions = {}): Promise<DiscordGatewayStandin> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new DiscordGatewayStandin(server, options);
  }

  /**
   * Dispatches INTERACTION_CREATE to every session. A session whose connection dropped
   * gets it on RESUME, as on Discord. Fails if no bot ever identified.
   */
  async sendInteraction(raw: APIInteraction): Promise<void> {
    if (this.#sessions.size === 0) throw new Error('no identified gateway session to send the interaction to');
    this.#options.onInteraction?.(raw);
    await this.dispatch(GatewayDispatchEvents.InteractionCreate, raw);
  }

  /** Sends a dispatch (op 0) to every session (buffered for resume); returns how many were connected. */
  async dispatch(event: string, data: unknown): Promise<number> {
    const sessions = [...this.#sessions.values()];
    await Promise.all(sessions.map((session) => this.#dispatchTo(session, event, data)));
    return sessions.filter((session) => session.connection !== null).length;
  }

  /** Asks connected bots to reconnect and resume (op 7). */
  async requestReconnect(): Promise<void> {
    await Promise.all([...this.#connections].map((connection) => this.#send(connection, { op: GatewayOpcodes.Reconnect, d: null })));
  }

  /** Closes every connection with `code` (e.g. 4000 to make discord.js resume). */
  closeConnections(code: number, reason = 'closed by the stand-in'): void {
    for (const connection of this.#connections) this.#close(connection, code, reason);
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async close(): Promise<void> {
    for (const connection of this.#connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket, url: URL): void {
    const connection: Connection = { id: this.#nextConnectionId++, socket, deflate: null, session: null, sending: Promise.resolve() };
    this.#connections.add(connection);
    const query = Object.fromEntries(url.searchParams.entries());
    this.events.add({ kind: 'connected', connection: connection.id, query });
    socket.on('close', (code) => {
      connection.deflate?.close();
      if (!this.#connections.delete(connection)) return;
      this.#detach(connection, code);
      this.events.add({ kind: 'closed', connection: connection.id, code, by: 'client' });
    });
    socket.on('message', (data, isBinary) => this.#receive(connection, data, isBinary));

    if ((query.v ?? '10') !== '10') return this.#close(connection, GatewayCloseCodes.InvalidAPIVersion, 'the stand-in speaks v10 only');
    if ((query.encoding ?? 'json') !== 'json') return this.#close(connection, GatewayCloseCodes.DecodeError, 'the stand-in speaks JSON only');
    if (query.compress !== undefined && query.compress !== 'zlib-stream') {
      return this.#close(connection, GatewayCloseCodes.DecodeError, `unsupported compress=${query.compress}`);
    }
    if (query.compress === 'zlib-stream') connection.deflate = createDeflate();
    void this.#send(connection, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.#options.heartbeatIntervalMs ?? 41_250 } });
  }

  #receive(connection: Connection, data: RawData, isBinary: boolean): void {
    let frame: { op?: unknown; d?: unknown };
    try {
      if (isBinary) throw new Error('binary frame');
      frame = JSON.parse(rawText(data)) as { op?: unknown; d?: unknown };
    } catch {
      return this.#close(connection, GatewayCloseCodes.DecodeError, 'invalid payload');
    }
    const op = typeof frame.op === 'number' ? frame.op : -1;
    this.frames.add({ at: Date.now(), connection: connection.id, op, d: redactToken(frame.d, this.#options.botToken) });
    switch (op) {
      case GatewayOpcodes.Heartbeat:
        if (this.ackHeartbeats) void this.#send(connection, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        return this.#identify(connection, frame.d as { token?: string });
      case GatewayOpcodes.Resume:
        return this.#resume(connection, frame.d as { token?: string; session_id?: string; seq?: number });
      default:
        if (connection.session === null) this.#close(connection, GatewayCloseCodes.NotAuthenticated, 'not authenticated');
    }
  }

  #identify(connection: Connection, identify: { token?: string }): void {
    if (connection.session !== null) return this.#close(connection, GatewayCloseCodes.AlreadyAuthenticated, 'already authenticated');
    if (!this.#tokenAccepted(identify.token)) return this.#close(connection, GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, history: [], connection };
    this.#sessions.set(session.id, session);
    connection.session = session;
    void this.#dispatchTo(session, GatewayDispatchEvents.Ready, readyPayload(this.world, session.id, this.url, [0, 1]));
    this.events.add({ kind: 'ready', connection: connection.id, sessionId: session.id });
    for (const guild of worldGuilds(this.world)) {
      void this.#dispatchTo(session, GatewayDispatchEvents.GuildCreate, guildCreatePayload(guild, this.world.application.id));
    }
  }

  #resume(connection: Connection, resume: { token?: string; session_id?: string; seq?: number }): void {
    const session = this.#sessions.get(resume.session_id ?? '');
    if (!session || !this.#tokenAccepted(resume.token)) {
      void this.#send(connection, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    if (session.connection && session.connection !== connection) this.#close(session.connection, 4000, 'session resumed elsewhere');
    session.connection = connection;
    connection.session = session;
    const missed = session.history.filter((entry) => entry.s > (resume.seq ?? 0));
    for (const entry of missed) void this.#send(connection, { op: GatewayOpcodes.Dispatch, s: entry.s, t: entry.t, d: entry.d });
    void this.#dispatchTo(session, GatewayDispatchEvents.Resumed, { _trace: ['standin-gateway'] });
    this.events.add({ kind: 'resumed', connection: connection.id, sessionId: session.id, replayed: missed.length });
  }

  /** A clean close (1000/1001) or a fatal code ends the session; anything else leaves it resumable. */
  #detach(connection: Connection, code: number): void {
    const session = connection.session;
    if (!session || session.connection !== connection) return;
    session.connection = null;
    if (ENDS_SESSION.has(code)) this.#sessions.delete(session.id);
  }

  #tokenAccepted(token: string | undefined): boolean {
    return typeof token === 'string' && token.length > 0 && (this.#options.botToken === undefined || token === this.#options.botToken);
  }

  #dispatchTo(session: Session, event: string, data: unknown): Promise<void> {
    const s = ++session.seq;
    session.history.push({ s, t: event, d: data });
    if (session.history.length > 200) session.history.shift();
    return session.connection ? this.#send(session.connection, { op: GatewayOpcodes.Dispatch, s, t: event, d: data }) : Promise.resolve();
  }

  /** Sends in order; with zlib-stream every payload is one Z_SYNC_FLUSH-terminated chunk of a shared stream. */
  #send(connection: Connection, payload: Record<string, unknown>): Promise<void> {
    const text = JSON.stringify({ s: null, t: null, ...payload });
    connection.sending = connection.sending.then(async () => {
      if (connection.socket.readyState !== connection.socket.OPEN) return;
      const frame = connection.deflate ? await deflateChunk(connection.deflate, text) : text;
      await new Promise<void>((resolve) => connection.socket.send(frame, { binary: connection.deflate !== null }, () => resolve()));
    });
    return connection.sending;
  }

  #close(connection: Connection, code: number, reason: string): void {
    if (!this.#connections.delete(connection)) return;
    this.#detach(connection, code);
    this.events.add({ kind: 'closed', connection: connection.id, code, by: 'standin' });
    connection.socket.close(code, reason);
  }
}

function deflateChunk(deflate: Deflate, text: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const collect = (chunk: Buffer): void => void chunks.push(chunk);
    deflate.on('data', collect);
    deflate.write(text);
    deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
      deflate.off('data', collect);
      resolve(Buffer.concat(chunks));
    });
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

function redactToken(d: unknown, expected: string | undefined): unknown {
  if (typeof d !== 'object' || d === null || !('token' in d)) return d;
  const { token, ...rest } = d;
  return { ...rest, tokenMatched: expected === undefined ? typeof token === 'string' : token === expected };
}
