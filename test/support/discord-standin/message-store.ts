import type { APIAttachment, APIMessage, APIUser } from 'discord.js';
import { hex, mintSnowflake } from './snowflakes.ts';
import type { RecordedFile } from './request-log.ts';

/** An uploaded file as the stand-in's "CDN" keeps it. */
export interface StoredAttachment {
  id: string;
  channelId: string;
  filename: string;
  contentType: string;
  description?: string;
  title?: string;
  data: Buffer;
  /** The signed-URL query (`ex`, `is`, `hm`), fixed at upload so the URL is stable. */
  signature: string;
}

export interface StoredMessage {
  id: string;
  channelId: string;
  type: number;
  author: APIUser;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: StoredAttachment[];
  flags: number;
  createdAt: number;
  editedAt: number | null;
  /** For interaction responses: the application id, as Discord sets `webhook_id`. */
  webhookId?: string;
  interactionMetadata?: unknown;
}

/** The message fields a create or edit body may carry (Discord's JSON/form params). */
export interface MessageBody {
  content?: string | null;
  embeds?: unknown[] | null;
  components?: unknown[] | null;
  flags?: number | null;
  attachments?: Array<{ id: string | number; filename?: string; description?: string; title?: string }> | null;
}

export class MessageStore {
  readonly #messages = new Map<string, StoredMessage>();
  readonly #attachments = new Map<string, StoredAttachment>();
  readonly #now: () => number;
  /** Where attachment URLs point: the stand-in's own origin. */
  origin = '';

  constructor(now: () => number) {
    this.#now = now;
  }

  get(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  all(): StoredMessage[] {
    return [...this.#messages.values()];
  }

  attachment(id: string): StoredAttachment | undefined {
    return this.#attachments.get(id);
  }

  create(init: Omit<StoredMessage, 'id' | 'createdAt' | 'editedAt' | 'attachments' | 'content' | 'embeds' | 'components' | 'flags'>, body: MessageBody, files: RecordedFile[]): StoredMessage {
    const message: StoredMessage = {
      ...init,
      id: mintSnowflake(this.#now()),
      createdAt: this.#now(),
      editedAt: null,
      content: body.content ?? '',
      embeds: body.embeds ?? [],
      components: body.components ?? [],
      flags: body.flags ?? 0,
      attachments: this.#newAttachments(init.channelId, body, files, 'create'),
    };
    this.#messages.set(message.id, message);
    return message;
  }

  /**
   * Applies an edit with API v10 semantics: fields present in the body replace the old
   * ones; without `attachments`, old files stay and uploads are appended; with it, only
   * the listed old files stay, plus the listed uploads.
   */
  edit(message: StoredMessage, body: MessageBody, files: RecordedFile[], extraFlags = 0): StoredMessage {
    if (body.content !== undefined) message.content = body.content ?? '';
    if (body.embeds !== undefined) message.embeds = body.embeds ?? [];
    if (body.components !== undefined) message.components = body.components ?? [];
    if (body.flags !== undefined && body.flags !== null) message.flags = body.flags | extraFlags;
    const uploaded = this.#newAttachments(message.channelId, body, files, 'edit');
    if (body.attachments === undefined) {
      message.attachments = [...message.attachments, ...uploaded];
    } else {
      const keep = new Set((body.attachments ?? []).map((entry) => String(entry.id)));
      message.attachments = [...message.attachments.filter((old) => keep.has(old.id)), ...uploaded];
    }
    message.editedAt = this.#now();
    return message;
  }

  /**
   * Takes in a message the stand-in did not create (e.g. the `message` of a hand-built
   * button interaction) so it can be edited. Its attachments are dropped: their bytes
   * are not known here.
   */
  adopt(raw: APIMessage): StoredMessage {
    const message: StoredMessage = {
      id: raw.id,
      channelId: raw.channel_id,
      type: raw.type,
      author: raw.author,
      content: raw.content,
      embeds: raw.embeds,
      components: raw.components ?? [],
      attachments: [],
      flags: raw.flags ?? 0,
      createdAt: Date.parse(raw.timestamp),
      editedAt: raw.edited_timestamp === null ? null : Date.parse(raw.edited_timestamp),
    };
    if (raw.webhook_id !== undefined) message.webhookId = raw.webhook_id;
    if (raw.interaction_metadata !== undefined) message.interactionMetadata = raw.interaction_metadata;
    this.#messages.set(message.id, message);
    return message;
  }

  delete(id: string): boolean {
    return this.#messages.delete(id);
  }

  /** Stores a file as if a person had uploaded it, e.g. for an attachment command option. */
  host(channelId: string, file: { filename: string; data: Buffer; contentType: string }): APIAttachment {
    const stored: StoredAttachment = { id: mintSnowflake(this.#now()), channelId, ...file, signature: this.#signature() };
    this.#attachments.set(stored.id, stored);
    return this.toApiAttachment(stored);
  }

  toApi(message: StoredMessage): APIMessage {
    const api: APIMessage = {
      id: message.id,
      type: message.type,
      channel_id: message.channelId,
      author: message.author,
      content: message.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: message.attachments.map((attachment) => this.toApiAttachment(attachment)),
      embeds: message.embeds as APIMessage['embeds'],
      components: message.components as NonNullable<APIMessage['components']>,
      pinned: false,
      flags: message.flags,
    };
    if (message.webhookId !== undefined) {
      api.webhook_id = message.webhookId;
      api.application_id = message.webhookId;
    }
    if (message.interactionMetadata !== undefined) {
      api.interaction_metadata = message.interactionMetadata as NonNullable<APIMessage['interaction_metadata']>;
    }
    return api;
  }

  toApiAttachment(attachment: StoredAttachment): APIAttachment {
    const url = `${this.origin}/attachments/${attachment.channelId}/${attachment.id}/${encodeURIComponent(attachment.filename)}?${attachment.signature}`;
    const api: APIAttachment = {
      id: attachment.id,
      filename: attachment.filename,
      size: attachment.data.length,
      url,
      proxy_url: url,
      content_type: attachment.contentType,
    };
    if (attachment.description !== undefined) api.description = attachment.description;
    if (attachment.title !== undefined) api.title = attachment.title;
    const size = pngSize(attachment.data);
    if (size) {
      api.width = size.width;
      api.height = size.height;
    }
    return api;
  }

  /** Discord CDN URLs are signed and expire after a day: `ex` expiry, `is` issue time (hex seconds), `hm` HMAC. */
  #signature(): string {
    const nowSeconds = Math.floor(this.#now() / 1000);
    return `ex=${(nowSeconds + 86_400).toString(16)}&is=${nowSeconds.toString(16)}&hm=${hex(32)}&`;
  }

  #newAttachments(channelId: string, body: MessageBody, files: RecordedFile[], mode: 'create' | 'edit'): StoredAttachment[] {
    const listed = new Map((body.attachments ?? []).map((entry) => [String(entry.id), entry]));
    const result: StoredAttachment[] = [];
    files.forEach((file, order) => {
      const index = /^files\[(\d+)\]$/.exec(file.name)?.[1] ?? String(order);
      const meta = listed.get(index);
      // v10: an edit that lists attachments drops uploads it does not list.
      if (mode === 'edit' && body.attachments != null && !meta) return;
      const stored: StoredAttachment = {
        id: mintSnowflake(this.#now()),
        channelId,
        filename: meta?.filename ?? file.filename,
        contentType: file.contentType,
        data: file.data,
        signature: this.#signature(),
      };
      if (meta?.description !== undefined) stored.description = meta.description;
      if (meta?.title !== undefined) stored.title = meta.title;
      this.#attachments.set(stored.id, stored);
      result.push(stored);
    });
    return result;
  }
}

/** Width and height from a PNG's IHDR chunk, so image attachments carry them as on Discord. */
function pngSize(data: Buffer): { width: number; height: number } | null {
  const signature = '89504e470d0a1a0a';
  if (data.length < 24 || data.subarray(0, 8).toString('hex') !== signature) return null;
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}
