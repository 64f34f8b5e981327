import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIApplicationCommand, APIAttachment, APIInteraction, APIMessage, APIUser } from 'discord.js';
import { apiErrors, discordError, type StandinReply } from './api-errors.ts';
import { botRoutes } from './bot-routes.ts';
import { FaultInjector, type RequestMatcher } from './fault-injector.ts';
import { createStandinWorld, guildMember, worldGuilds, type StandinWorld } from './fixtures.ts';
import { InteractionLedger, type InteractionRecord } from './interaction-ledger.ts';
import { interactionRoutes } from './interaction-routes.ts';
import { MessageStore, type StoredMessage } from './message-store.ts';
import { RateLimiter, type RateLimitConfig } from './rate-limiter.ts';
import { BodyParseError, parseRequestBody, type ParsedBody } from './request-body.ts';
import { WaitableLog, describeRequest, type AuthorizationKind, type RecordedRequest } from './request-log.ts';
import { matchRoute, type RestContext, type RouteDefinition } from './rest-router.ts';

export interface DiscordRestStandinOptions {
  /** Ids and names of the app, bot, guild and channel. Default: `createStandinWorld()`. */
  world?: StandinWorld;
  /** When set, bot-token routes answer 401 unless `Authorization: Bot <botToken>` is sent. */
  botToken?: string;
  /** What `GET /gateway/bot` returns; can be set later with `gatewayUrl =`. */
  gatewayUrl?: string;
  /** The stand-in's clock (deadlines, timestamps, rate-limit windows). Default `Date.now`. */
  now?: () => number;
  /** Time from interaction creation to the first callback. Default 3000 ms. */
  ackDeadlineMs?: number;
  /** How long an interaction token stays valid. Default 15 min. */
  tokenLifetimeMs?: number;
  /** Per-file upload limit. Default 10 MiB. */
  attachmentSizeLimit?: number;
  /** Discord-like rate limiting; off unless given. */
  rateLimits?: RateLimitConfig;
}

const MAX_REQUEST_BYTES = 25 * 1024 * 1024;
const ROUTES: readonly RouteDefinition[] = [...interactionRoutes, ...botRoutes];

/**
 * A loopback HTTP server that answers discord.js the way Discord's REST API does, for
 * the routes a slash-command bot uses, and records every request it answered.
 */
export class DiscordRestStandin {
  readonly world: StandinWorld;
  readonly origin: string;
  gatewayUrl: string;
  /** 429 answers sent so far, from `failNext` and from the rate limiter. */
  count429 = 0;

  readonly #server: Server;
  readonly #log = new WaitableLog<RecordedRequest>(describeRequest);
  readonly #faults = new FaultInjector();
  readonly #context: RestContext;
  readonly #botToken: string | undefined;
  readonly #fetchedAttachments: string[] = [];
  #limiter: RateLimiter | null;

  private constructor(server: Server, options: DiscordRestStandinOptions) {
    this.#server = server;
    this.world = options.world ?? createStandinWorld();
    this.gatewayUrl = options.gatewayUrl ?? 'ws://127.0.0.1:9';
    this.#botToken = options.botToken;
    this.#limiter = options.rateLimits ? new RateLimiter(options.rateLimits) : null;
    const port = (server.address() as AddressInfo).port;
    this.origin = `http://127.0.0.1:${port}`;
    const now = options.now ?? Date.now;
    const store = new MessageStore(now);
    store.origin = this.origin;
    this.#context = {
      world: this.world,
      store,
      ledger: new InteractionLedger(),
      channels: new Map([...worldGuilds(this.world).flatMap((guild) => guild.channels), this.world.dmChannel].map((channel) => [channel.id, channel])),
      members: new Map(worldGuilds(this.world).map((guild) => [guild.id, new Map(guild.members.map((member) => [member.user.id, member]))])),
      commands: new Map(),
      now,
      gatewayUrl: () => this.gatewayUrl,
      ackDeadlineMs: options.ackDeadlineMs ?? 3000,
      tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60 * 1000,
      attachmentSizeLimit: options.attachmentSizeLimit ?? 10 * 1024 * 1024,
    };
  }

  static async start(options: DiscordRestStandinOptions = {}): Promise<DiscordRestStandin> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const standin = new DiscordRestStandin(server, options);
    server.on('request', (request, response) => {
      standin.#answer(request, response).catch(() => response.destroy());
    });
    return standin;
  }

  /** What a bot sets as discord.js `rest.api` (no version; discord.js appends `/v10`). */
  get apiBase(): string {
    return `${this.origin}/api`;
  }

  /** The ids of attachments fetched from the CDN route (/attachments/…) so far, in order: proves a file was refused without being downloaded. */
  get fetchedAttachments(): readonly string[] {
    return this.#fetchedAttachments;
  }

  get requests(): readonly RecordedRequest[] {
    return this.#log.entries;
  }

  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.#log.waitFor(predicate, timeoutMs);
  }

  /** Answers the next `times` matching requests with `reply` instead of routing them. */
  failNext(matcher: RequestMatcher, reply: StandinReply, options: { times?: number } = {}): void {
    this.#faults.add(matcher, reply, options.times ?? 1);
  }

  /** From now on, the token's webhook routes answer 401 50027 and its callback 404 10062. */
  expireToken(token: string): void {
    this.#context.ledger.expire(token);
  }

  /** Turns Discord-like rate limiting on (with fresh buckets) or off. */
  setRateLimits(config: RateLimitConfig | null): void {
    this.#limiter = config ? new RateLimiter(config) : null;
  }

  /** Makes `user` a member of the guild holding exactly `roles` (what `GET /guilds/:guild/members/:user` answers from now on). */
  setMemberRoles(guildId: string, user: APIUser, roles: string[]): void {
    const members = this.#context.members.get(guildId);
    if (!members) throw new Error(`the stand-in world has no guild ${guildId}`);
    members.set(user.id, guildMember(user, roles));
  }

  /** The user leaves the guild: member lookups answer 10007 Unknown Member. */
  removeMember(guildId: string, userId: string): void {
    this.#context.members.get(guildId)?.delete(userId);
  }

  /** Tells the stand-in about an interaction before it is dispatched (type, channel, source message). */
  registerInteraction(raw: APIInteraction): InteractionRecord {
    return this.#context.ledger.register(raw);
  }

  interaction(token: string): InteractionRecord | undefined {
    return this.#context.ledger.get(token);
  }

  /** The interaction's original response as Discord would return it, or undefined. */
  originalMessage(token: string): APIMessage | undefined {
    const id = this.#context.ledger.get(token)?.originalMessageId;
    return id ? this.message(id) : undefined;
  }

  message(id: string): APIMessage | undefined {
    const stored = this.#context.store.get(id);
    return stored ? this.#context.store.toApi(stored) : undefined;
  }

  /** The stored form of a message, with attachment bytes. */
  storedMessage(id: string): StoredMessage | undefined {
    return this.#context.store.get(id);
  }

  /** Puts a file on the stand-in's CDN, as a person's upload would be; use it for attachment options. */
  hostAttachment(file: { filename: string; data: Buffer; contentType: string; channelId?: string }): APIAttachment {
    const channelId = file.channelId ?? this.world.guild.channels[0]?.id ?? '0';
    return this.#context.store.host(channelId, file);
  }

  commands(scope: 'global' | string = 'global'): APIApplicationCommand[] {
    return this.#context.commands.get(scope) ?? [];
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = this.#context.now();
    const url = new URL(request.url ?? '/', this.origin);
    if (request.method === 'GET' && url.pathname.startsWith('/attachments/')) {
      this.#serveAttachment(url.pathname, response);
      return;
    }
    const versioned = /^\/api(?:\/v(\d+))?(\/.*)?$/.exec(url.pathname);
    const route = decodeURIComponent(versioned?.[2] ?? url.pathname);
    const method = (request.method ?? 'GET').toUpperCase();
    const { authorization, botTokenMatched } = this.#classifyAuthorization(request.headers.authorization);
    const headers = Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name]) => name !== 'authorization')
        .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
    );
    const query = Object.fromEntries(url.searchParams.entries());

    let body: ParsedBody = { json: undefined, multipart: false, files: [] };
    let reply: StandinReply;
    let injectedBy: RecordedRequest['injectedBy'] = null;
    try {
      const raw = await readBody(request);
      body = await parseRequestBody(raw, request.headers['content-type']);
      const fault = this.#faults.take({ method, route, query, authorization, json: body.json });
      if (fault) {
        reply = fault;
        injectedBy = 'fault';
      } else if (!versioned) {
        reply = apiErrors.notFound();
      } else {
        ({ reply, injectedBy } = await this.#route(method, route, query, body, authorization, botTokenMatched));
      }
    } catch (error) {
      if (error instanceof BodyTooLarge) reply = apiErrors.requestEntityTooLarge();
      else if (error instanceof BodyParseError) reply = discordError(400, 50109, 'The request body contains invalid JSON.');
      else reply = discordError(500, 0, `500: stand-in failure: ${String(error)}`);
    }

    if (reply.status === 429) this.count429 += 1;
    this.#log.add({
      seq: this.#log.entries.length + 1,
      at,
      method,
      path: url.pathname,
      apiVersion: versioned?.[1] === undefined ? null : Number(versioned[1]),
      route,
      query,
      headers,
      authorization,
      botTokenMatched,
      json: body.json,
      multipart: body.multipart,
      files: body.files,
      status: reply.status,
      responseHeaders: { ...reply.headers },
      responseBody: reply.body,
      injectedBy,
    });
    send(response, reply);
  }

  async #route(
    method: string,
    route: string,
    query: Record<string, string>,
    body: ParsedBody,
    authorization: AuthorizationKind,
    botTokenMatched: boolean,
  ): Promise<{ reply: StandinReply; injectedBy: RecordedRequest['injectedBy'] }> {
    const match = matchRoute(ROUTES, method, route);
    if (match.kind === 'unknown') return { reply: apiErrors.notFound(), injectedBy: null };
    if (match.kind === 'wrong-method') return { reply: apiErrors.methodNotAllowed(), injectedBy: null };
    const { definition, params } = match;
    if (definition.auth === 'bot' && (authorization !== 'bot' || !botTokenMatched)) return { reply: apiErrors.unauthorized(), injectedBy: null };

    let limitHeaders: Record<string, string> = {};
    if (this.#limiter) {
      const usesBotToken = definition.auth === 'bot';
      const taken = this.#limiter.take(definition.bucket?.(params) ?? null, usesBotToken, this.#context.now());
      if (taken.refusal) return { reply: taken.refusal, injectedBy: 'rate-limiter' };
      limitHeaders = taken.headers;
    }
    const reply = await definition.handle({ method, route, params, query, json: body.json, files: body.files, authorization }, this.#context);
    return { reply: { ...reply, headers: { ...limitHeaders, ...reply.headers } }, injectedBy: null };
  }

  #classifyAuthorization(header: string | undefined): { authorization: AuthorizationKind; botTokenMatched: boolean } {
    if (!header) return { authorization: 'absent', botTokenMatched: false };
    const [scheme = '', ...rest] = header.split(' ');
    const kind: AuthorizationKind = scheme === 'Bot' ? 'bot' : scheme === 'Bearer' ? 'bearer' : 'other';
    return { authorization: kind, botTokenMatched: kind === 'bot' && (this.#botToken === undefined || rest.join(' ') === this.#botToken) };
  }

  #serveAttachment(pathname: string, response: ServerResponse): void {
    const [, , , attachmentId = ''] = pathname.split('/');
    const attachment = this.#context.store.attachment(attachmentId);
    this.#fetchedAttachments.push(attachmentId);
    if (!attachment) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    response.writeHead(200, { 'content-type': attachment.contentType, 'content-length': attachment.data.length }).end(attachment.data);
  }
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, reply: StandinReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  response.writeHead(reply.status, { 'content-type': 'application/json', ...headers }).end(text);
}
