import type { APIApplicationCommand, APIDMChannel, APIGuildMember, APITextChannel } from 'discord.js';
import type { StandinReply } from './api-errors.ts';
import type { StandinWorld } from './fixtures.ts';
import type { InteractionLedger } from './interaction-ledger.ts';
import type { MessageStore } from './message-store.ts';
import type { BucketRef } from './rate-limiter.ts';
import type { AuthorizationKind, RecordedFile } from './request-log.ts';

/** A parsed request as route handlers see it. */
export interface StandinRequest {
  method: string;
  route: string;
  params: Record<string, string>;
  query: Record<string, string>;
  json: unknown;
  files: RecordedFile[];
  authorization: AuthorizationKind;
}

/** The Discord state route handlers read and change. */
export interface RestContext {
  world: StandinWorld;
  store: MessageStore;
  ledger: InteractionLedger;
  channels: Map<string, APITextChannel | APIDMChannel>;
  /** Members by guild id, then user id; tests change roles through the stand-in. */
  members: Map<string, Map<string, APIGuildMember>>;
  /** Registered commands; key `global` or a guild id. */
  commands: Map<string, APIApplicationCommand[]>;
  now: () => number;
  gatewayUrl: () => string;
  ackDeadlineMs: number;
  tokenLifetimeMs: number;
  attachmentSizeLimit: number;
}

export interface RouteDefinition {
  method: string;
  /** Path template; `:name` segments are captured into `params`. */
  pattern: string;
  /** `bot`: needs `Authorization: Bot <token>`. `none`: webhook-token routes, which need no header. */
  auth: 'bot' | 'none';
  bucket?: (params: Record<string, string>) => BucketRef;
  handle: (request: StandinRequest, context: RestContext) => StandinReply | Promise<StandinReply>;
}

export type RouteMatch =
  | { kind: 'found'; definition: RouteDefinition; params: Record<string, string> }
  | { kind: 'wrong-method' }
  | { kind: 'unknown' };

export function matchRoute(routes: readonly RouteDefinition[], method: string, route: string): RouteMatch {
  const segments = route.split('/').filter(Boolean);
  let pathMatched = false;
  for (const definition of routes) {
    const params = matchPattern(definition.pattern, segments);
    if (!params) continue;
    pathMatched = true;
    if (definition.method === method) return { kind: 'found', definition, params };
  }
  return pathMatched ? { kind: 'wrong-method' } : { kind: 'unknown' };
}

function matchPattern(pattern: string, segments: string[]): Record<string, string> | null {
  const parts = pattern.split('/').filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return null;
  }
  return params;
}

export function json(body: unknown, status = 200): StandinReply {
  return { status, body };
}

export function noContent(): StandinReply {
  return { status: 204 };
}
