import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { classifyEditError, ReplyDeliveryError } from './edit-errors.ts';
import type { EditPayload } from './message-view.ts';

/** The Discord route (bucket + major parameter) the next edit takes, for pacing. */
export interface RouteRef {
  /** Names the bucket in RouteLimits; the same key wherever Discord counts the same bucket. */
  key: string;
  /** Sent with the bot token: counted against the bot's global limit (interaction webhooks are not). */
  botToken: boolean;
}

/** Where the reply editor sends a message's edits. */
export interface ReplySink {
  edit(payload: EditPayload): Promise<void>;
  /** The route of the next edit. Without it the editor treats the message as one bot-token route of its own. */
  nextRoute?(): RouteRef;
  /**
   * Leaves the current route for the next one, because Discord is holding a final on it
   * (a long 429, a lasting 5xx). False when no other route is left.
   */
  fallBack?(reason: string): boolean;
}

export type EditRoute = (payload: EditPayload) => Promise<void>;

export interface ReplyTargetOptions {
  /** PATCH …/webhooks/{app}/{token}/messages/@original: free of the bot's global limit, dies after 15 min. */
  editViaInteraction: EditRoute;
  /** PATCH /channels/{channel}/messages/{id} with the bot token; null when there is none (ephemeral, user-installed). */
  editViaChannel: EditRoute | null;
  /** Posts the view as a new message replying to the requester; resolves to the way to edit that message. */
  postNewMessage: ((payload: EditPayload) => Promise<EditRoute>) | null;
  /** When the interaction was created (Discord's timestamp), in the clock's ms. */
  interactionCreatedAt: number;
  /** How long to trust the token. Default 14 min, a minute short of Discord's 15. */
  interactionLifetimeMs?: number;
  /** Whether Discord has told us the reply's message id (so the channel route can reach it). Default: yes. */
  messageKnown?: () => boolean;
  /** The RouteLimits keys of the three routes. Default: keys of this message alone. */
  routeKeys?: RouteKeys;
  now?: () => number;
  logger?: Logger;
  /** Names the message in log lines. */
  messageKey?: string;
}

export interface RouteKeys {
  interaction: string;
  channelEdit: string;
  channelPost: string;
}

export type ReplyRoute = 'interaction' | 'channel' | 'repost' | 'reposted';

const DEFAULT_LIFETIME_MS = 14 * 60_000;

/**
 * One Discord reply that outlives its interaction token. Edits go through the
 * interaction webhook while the token is young, through the channel with the bot
 * token after that (or at once when Discord says the token is dead: 401/50027,
 * 404/10015), and if the channel message is gone or forbidden, the view is posted as
 * a new message that later edits then target. Transient errors are thrown as they are,
 * for the editor to retry; a route is abandoned on an error that says so, or when the
 * editor says Discord is holding a final on it (`fallBack`).
 */
export class ReplyTarget implements ReplySink {
  readonly #options: ReplyTargetOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #expiresAt: number;
  readonly #keys: RouteKeys;
  #route: ReplyRoute = 'interaction';
  #channelEdit: EditRoute | null;

  constructor(options: ReplyTargetOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger();
    this.#expiresAt = options.interactionCreatedAt + (options.interactionLifetimeMs ?? DEFAULT_LIFETIME_MS);
    this.#channelEdit = options.editViaChannel;
    const own = options.messageKey ?? 'reply';
    this.#keys = options.routeKeys ?? { interaction: `${own} interaction`, channelEdit: `${own} channel`, channelPost: `${own} post` };
  }

  get route(): ReplyRoute {
    return this.#route;
  }

  nextRoute(): RouteRef {
    if (this.#route === 'interaction' && this.#now() < this.#expiresAt) return { key: this.#keys.interaction, botToken: false };
    if (this.#route === 'repost' || this.#channelEdit === null) return { key: this.#keys.channelPost, botToken: true };
    return { key: this.#keys.channelEdit, botToken: true };
  }

  fallBack(reason: string): boolean {
    const from = this.#route;
    const messageKnown = this.#options.messageKnown?.() ?? true;
    if (from === 'interaction' && this.#channelEdit !== null && messageKnown) this.#route = 'channel';
    else if ((from === 'interaction' || from === 'channel') && this.#options.postNewMessage !== null) this.#route = 'repost';
    else return false;
    this.#log.warn({ messageKey: this.#options.messageKey, reason, from, to: this.#route }, 'reply edits leave a route Discord is holding');
    return true;
  }

  async edit(payload: EditPayload): Promise<void> {
    if (this.#route === 'interaction' && this.#now() >= this.#expiresAt) this.#leaveInteraction('token expiring');
    if (this.#route === 'interaction') {
      try {
        await this.#options.editViaInteraction(payload);
        return;
      } catch (error) {
        const failure = classifyEditError(error);
        if (failure.kind !== 'token_invalid' && failure.kind !== 'message_unreachable') throw error;
        this.#leaveInteraction(`interaction edit refused (${failure.status ?? '-'}/${failure.code ?? '-'})`);
      }
    }
    const channelEdit = this.#channelEdit;
    if (this.#route === 'repost' || channelEdit === null) return this.#repost(payload, null);
    try {
      await channelEdit(payload);
    } catch (error) {
      const failure = classifyEditError(error);
      if (failure.kind !== 'message_unreachable') throw error;
      this.#log.warn({ messageKey: this.#options.messageKey, status: failure.status, code: failure.code }, 'reply message unreachable; posting a new one');
      await this.#repost(payload, error);
    }
  }

  #leaveInteraction(reason: string): void {
    this.#route = 'channel';
    this.#log.info({ messageKey: this.#options.messageKey, reason }, 'reply edits switch to the channel route');
  }

  async #repost(payload: EditPayload, cause: unknown): Promise<void> {
    const post = this.#options.postNewMessage;
    if (post === null) {
      throw new ReplyDeliveryError('no route left to reach the reply', { messageKey: this.#options.messageKey, route: this.#route }, cause);
    }
    this.#channelEdit = await post(payload);
    this.#route = 'reposted';
  }
}
