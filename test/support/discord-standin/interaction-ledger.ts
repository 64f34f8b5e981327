import { InteractionType, type APIInteraction, type APIMessage, type APIUser } from 'discord.js';
import { snowflakeTime } from './snowflakes.ts';

/** What the stand-in knows about one interaction token. */
export interface InteractionRecord {
  id: string;
  token: string;
  /** Null when the interaction was only learned from a callback URL. */
  applicationId: string | null;
  /** From the interaction id's snowflake, as Discord measures the 3 s deadline. */
  createdAt: number;
  type: InteractionType | null;
  /** For application commands: chat input (1), user (2) or message (3) command. */
  commandType: number | null;
  channelId: string | null;
  user: APIUser | null;
  /** For component interactions (and modals opened from one): the message the component is on. */
  sourceMessage: APIMessage | null;
  /** The callback type that acknowledged it, or null. */
  acknowledgedWith: number | null;
  acknowledgedAt: number | null;
  ephemeral: boolean;
  originalMessageId: string | null;
  followUpIds: string[];
  /** Set by `expireToken`: webhook routes answer 401 50027 from then on. */
  expiredByTest: boolean;
}

/** Per-token interaction state: deadlines, acknowledgement, and which messages belong to it. */
export class InteractionLedger {
  readonly #byToken = new Map<string, InteractionRecord>();

  register(raw: APIInteraction): InteractionRecord {
    const record = this.#blank(raw.id, raw.token);
    record.applicationId = raw.application_id;
    record.type = raw.type;
    record.commandType = raw.type === InteractionType.ApplicationCommand ? raw.data.type : null;
    record.channelId = raw.channel?.id ?? raw.channel_id ?? null;
    record.user = raw.member?.user ?? raw.user ?? null;
    record.sourceMessage = 'message' in raw ? raw.message : null;
    this.#byToken.set(raw.token, record);
    return record;
  }

  get(token: string): InteractionRecord | undefined {
    return this.#byToken.get(token);
  }

  all(): InteractionRecord[] {
    return [...this.#byToken.values()];
  }

  /** A callback for a token nobody registered: trust the URL, as Discord would for a real interaction. */
  learn(id: string, token: string): InteractionRecord {
    const record = this.#blank(id, token);
    this.#byToken.set(token, record);
    return record;
  }

  expire(token: string): void {
    const record = this.#byToken.get(token);
    if (record) record.expiredByTest = true;
    else this.learn('0', token).expiredByTest = true;
  }

  isExpired(record: InteractionRecord, now: number, lifetimeMs: number): boolean {
    return record.expiredByTest || now - record.createdAt > lifetimeMs;
  }

  #blank(id: string, token: string): InteractionRecord {
    return {
      id,
      token,
      applicationId: null,
      createdAt: /^\d{17,20}$/.test(id) ? snowflakeTime(id) : 0,
      type: null,
      commandType: null,
      channelId: null,
      user: null,
      sourceMessage: null,
      acknowledgedWith: null,
      acknowledgedAt: null,
      ephemeral: false,
      originalMessageId: null,
      followUpIds: [],
      expiredByTest: false,
    };
  }
}
