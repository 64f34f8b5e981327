import type { APIEmbed, APIEmbedField } from 'discord.js';
import { DISCORD_LIMITS, truncate } from '../discord-limits.ts';

/**
 * Keeps an informational embed inside Discord's limits (docs/discord-limits.md): each
 * text cut to its own cap, at most 25 fields, 6000 characters in all. When fields have
 * to go, the last ones go and a final field says how many were left out, so the reader
 * knows the list is not complete.
 */
export function fitEmbed(embed: APIEmbed, overflowHint = ''): APIEmbed {
  const fields = (embed.fields ?? []).map(fitField);
  const base: APIEmbed = {
    ...embed,
    ...(embed.title === undefined ? {} : { title: truncate(embed.title, DISCORD_LIMITS.embedTitle) }),
    ...(embed.description === undefined ? {} : { description: truncate(embed.description, DISCORD_LIMITS.embedDescription) }),
    ...(embed.footer === undefined ? {} : { footer: { ...embed.footer, text: truncate(embed.footer.text, DISCORD_LIMITS.footer) } }),
  };
  const withNote = (kept: APIEmbedField[]): APIEmbedField[] =>
    kept.length === fields.length ? kept : [...kept, moreField(fields.length - kept.length, overflowHint)];
  const fits = (kept: APIEmbedField[]): boolean => {
    const shown = withNote(kept);
    return shown.length <= DISCORD_LIMITS.embedFields && embedLength({ ...base, fields: shown }) <= DISCORD_LIMITS.embedTotal;
  };
  let kept = fields;
  while (kept.length > 0 && !fits(kept)) kept = kept.slice(0, -1);
  const result: APIEmbed = { ...base, fields: withNote(kept) };
  // A description alone could still be too long with a long title and footer; shorten it last.
  const over = embedLength(result) - DISCORD_LIMITS.embedTotal;
  if (over > 0 && result.description !== undefined) result.description = truncate(result.description, Math.max(0, result.description.length - over));
  return result;
}

function fitField(field: APIEmbedField): APIEmbedField {
  return {
    ...field,
    name: truncate(field.name, DISCORD_LIMITS.fieldName) || '\u200b',
    value: truncate(field.value, DISCORD_LIMITS.fieldValue) || '\u200b',
  };
}

function moreField(count: number, hint: string): APIEmbedField {
  return { name: `…and ${count} more`, value: hint === '' ? 'Not shown: Discord limits how much one message can hold.' : hint };
}

/** The characters Discord counts toward the 6000 total: title, description, field names and values, footer, author. */
export function embedLength(embed: APIEmbed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.author?.name.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}
