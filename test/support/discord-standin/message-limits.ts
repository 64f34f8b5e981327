import { apiErrors, fieldError, type StandinReply } from './api-errors.ts';
import type { MessageBody } from './message-store.ts';
import type { RecordedFile } from './request-log.ts';

/** Limits Discord enforces on a message body (docs/discord-limits.md). */
export interface MessageLimits {
  /** Per-file upload limit; Discord's default since 2025-01 is 10 MiB. */
  attachmentSizeLimit: number;
}

const IS_COMPONENTS_V2 = 1 << 15;

/**
 * Returns the error Discord would answer for a body that breaks a limit, or null.
 * `creating` adds the "cannot send an empty message" rule, which edits do not have.
 */
export function checkMessageLimits(body: MessageBody, files: RecordedFile[], limits: MessageLimits, creating: boolean): StandinReply | null {
  if (files.length > 10) return apiErrors.tooManyAttachments();
  if (files.some((file) => file.data.length > limits.attachmentSizeLimit)) return apiErrors.requestEntityTooLarge();
  const content = body.content ?? '';
  if (content.length > 2000) {
    return apiErrors.invalidFormBody(fieldError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.'));
  }
  const embeds = body.embeds ?? [];
  if (embeds.length > 10) {
    return apiErrors.invalidFormBody(fieldError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.'));
  }
  if (embeds.reduce<number>((sum, embed) => sum + embedTextLength(embed), 0) > 6000) {
    return apiErrors.invalidFormBody(fieldError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000'));
  }
  const componentsV2 = ((body.flags ?? 0) & IS_COMPONENTS_V2) !== 0;
  if (!componentsV2 && (body.components ?? []).length > 5) {
    return apiErrors.invalidFormBody(fieldError('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.'));
  }
  if (creating && content === '' && embeds.length === 0 && (body.components ?? []).length === 0 && files.length === 0) {
    return apiErrors.emptyMessage();
  }
  return null;
}

function embedTextLength(embed: unknown): number {
  if (typeof embed !== 'object' || embed === null) return 0;
  const e = embed as {
    title?: string;
    description?: string;
    footer?: { text?: string };
    author?: { name?: string };
    fields?: Array<{ name?: string; value?: string }>;
  };
  const fields = (e.fields ?? []).reduce((sum, field) => sum + (field.name?.length ?? 0) + (field.value?.length ?? 0), 0);
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text?.length ?? 0) + (e.author?.name?.length ?? 0) + fields;
}
