import type { Logger } from '../log.ts';
import { silentLogger } from '../log.ts';
import { classifyEditError, ReplyDeliveryError } from './edit-errors.ts';
import type { EditPayload } from './message-view.ts';

/** Where the reply editor sends a message's edits. */
export interface ReplySink {
  edit(payload: EditPayload): Promise<void>;
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
  now?: () => number;
  logger?: Logger;
  /** Names the message in log lines. */
  messageKey?: string;
}

export type ReplyRoute = 'interaction' | 'channel' | 'reposted';

const DEFAULT_LIFETIME_MS = 14 * 60_000;

/**
 * One Discord reply that outlives its interaction token. Edits go through the
 * interaction webhook while the token is young, through the channel with the bot
 * token after that (or at once when Discord says the token is dead: 401/50027,
 * 404/10015), and if the channel message is gone or forbidden, the view is posted as
 * a new message that later edits then target. Transient errors are thrown as they are,
 * for the editor to retry; a route is abandoned only on an error that says so.
 */
export class ReplyTarget implements ReplySink {
  readonly #options: ReplyTargetOptions;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #expiresAt: number;
  #route: ReplyRoute = 'interaction';
  #channelEdit: EditRoute | null;

  constructor(options: ReplyTargetOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? silentLogger();
    this.#expiresAt = options.interactionCreatedAt + (options.interactionLifetimeMs ?? DEFAULT_LIFETIME_MS);
    this.#channelEdit = options.editViaChannel;
  }

  get route(): ReplyRoute {
    return this.#route;
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
    if (channelEdit === null) return this.#repost(payload, null);
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
