import { Client, GatewayIntentBits, Partials } from 'discord.js';
import type { Config } from '../config.ts';
import { ComfycordError } from '../errors.ts';
import { networkReason } from '../network-errors.ts';
import type { Redactor } from '../redact/redactor.ts';
import { redactingMakeRequest } from './redacting-request.ts';
import type { DiscordErrorCode } from './error-codes.ts';

export class MissingTokenError extends ComfycordError<DiscordErrorCode> {
  constructor() {
    super(
      'DISCORD_TOKEN_MISSING',
      'DISCORD_TOKEN is not set. Create a bot at https://discord.com/developers/applications (Bot tab → Reset Token), then put DISCORD_TOKEN=<token> in .env (see .env.example) or the environment.',
    );
  }
}

/** Discord would not accept DISCORD_TOKEN (401 / TokenInvalid, at login or when the CLI registers commands). */
/** What to do about a token Discord refuses: said by the bot, `register` and `doctor` alike. */
export const TOKEN_FIX = 'Developer Portal → your application → Bot → Reset Token, and put the new one in .env (DISCORD_TOKEN)';

export class DiscordLoginError extends ComfycordError<DiscordErrorCode> {
  constructor(cause: unknown) {
    super('DISCORD_LOGIN', `Discord refused the token (DISCORD_TOKEN). Fix: ${TOKEN_FIX}.`, { cause });
  }
}

/** Discord could not be reached at all (connection refused, DNS, timeout): the token was never judged. */
export class DiscordUnreachableError extends ComfycordError<DiscordErrorCode> {
  constructor(reason: string, cause: unknown) {
    super('DISCORD_UNREACHABLE', `Discord is unreachable (${reason}). Fix: check this machine's network, a proxy or firewall, and DISCORD_API_BASE.`, { cause });
  }
}

/** Only a 401 or discord.js's TokenInvalid says the token is bad; anything else at login means Discord was not reached. */
export function loginFailure(error: unknown): DiscordLoginError | DiscordUnreachableError {
  const fields = error instanceof Error ? (error as Error & { code?: unknown; status?: unknown }) : null;
  if (fields !== null && (fields.code === 'TokenInvalid' || fields.status === 401)) return new DiscordLoginError(error);
  return new DiscordUnreachableError(networkReason(error), error);
}

export function requireToken(config: Pick<Config, 'discord'>): string {
  if (config.discord.token === null) throw new MissingTokenError();
  return config.discord.token;
}

/**
 * The least the bot needs: the Guilds intent (channels and roles in cache;
 * interactions come without any intent). Uploads get a longer REST timeout since
 * discord.js retries on timeout and a 10 MiB file on a slow link can take a while.
 * Every request body passes through `redactor` on its way out; `onResponse` hears the
 * HTTP status of every answer (the per-job webhook clients send through the same
 * `makeRequest`, see reply-routes.ts), 429s included.
 */
export function createDiscordClient(config: Config, redactor: Redactor, options: { onResponse?: (status: number) => void } = {}): Client {
  const redacting = redactingMakeRequest(redactor);
  const { onResponse } = options;
  return new Client({
    intents: [GatewayIntentBits.Guilds],
    partials: [Partials.Channel],
    rest: {
      timeout: 60_000,
      // Channel-message edits and posts are paced by the reply editor, which must hear of a
      // 429 at once (to reroute a held final, to drop a stale progress state) instead of
      // discord.js sleeping on it with the request queued; every other route waits as usual.
      // (discord.js names the route with ids replaced: `/channels/:id/messages/:id`.)
      rejectOnRateLimit: (limit) => limit.route.startsWith('/channels/:id/messages'),
      makeRequest: onResponse
        ? async (url, init) => {
            const response = await redacting(url, init);
            onResponse(response.status);
            return response;
          }
        : redacting,
      ...(config.discord.apiBase ? { api: config.discord.apiBase } : {}),
    },
  });
}
