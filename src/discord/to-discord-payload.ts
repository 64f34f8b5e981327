import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type AttachmentPayload,
  type MessageCreateOptions,
  type MessageEditOptions,
} from 'discord.js';
import type { EditPayload, ViewButton, ViewEmbed, ViewFile } from './message-view.ts';

/**
 * The only place the view model meets discord.js: an EditPayload becomes options for
 * `interaction.editReply`, `message.edit` (both accept MessageEditOptions) or
 * `channel.send` when the reply has to be posted again.
 *
 * Attachments (discord.js MessagePayload): with `files` and no `attachments`, the
 * edit lists only the new files, so they replace what the message had; with neither,
 * Discord leaves the existing attachments alone; `attachments: []` removes them all.
 * Mentions never ping: a prompt or an error text must not reach @everyone.
 */

const STYLES = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  success: ButtonStyle.Success,
  danger: ButtonStyle.Danger,
} as const;

export function toDiscordEdit(payload: EditPayload): MessageEditOptions {
  const options: MessageEditOptions = {
    content: payload.content,
    embeds: [toEmbed(payload.embed)],
    components: payload.buttons.map(toRow),
    allowedMentions: { parse: [] },
  };
  if (payload.attachments === 'replace') options.files = payload.files.map(toFile);
  if (payload.attachments === 'clear') options.attachments = [];
  return options;
}

/** For a new message (the old one is gone): every file the edited message would show is uploaded. */
export function toDiscordCreate(payload: EditPayload): MessageCreateOptions {
  const shown = payload.embed.imageAttachmentName;
  const embed = shown !== undefined && !payload.resultingFiles.some((f) => f.name === shown) ? withoutImage(payload.embed) : payload.embed;
  return {
    content: payload.content,
    embeds: [toEmbed(embed)],
    components: payload.buttons.map(toRow),
    allowedMentions: { parse: [] },
    files: payload.resultingFiles.map(toFile),
  };
}

function toEmbed(embed: ViewEmbed): APIEmbed {
  return {
    title: embed.title,
    description: embed.description,
    color: embed.color,
    fields: embed.fields.map((f) => ({ name: f.name, value: f.value, inline: f.inline })),
    footer: { text: embed.footer },
    ...(embed.imageAttachmentName === undefined ? {} : { image: { url: `attachment://${embed.imageAttachmentName}` } }),
  };
}

function withoutImage(embed: ViewEmbed): ViewEmbed {
  const { imageAttachmentName: _dropped, ...rest } = embed;
  return rest;
}

/** One row of view buttons as Discord components (also the ephemeral per-image edit rows of a batch). */
export function toRow(buttons: ViewButton[]): APIActionRowComponent<APIButtonComponentWithCustomId> {
  return {
    type: ComponentType.ActionRow,
    components: buttons.map((b) => ({
      type: ComponentType.Button,
      custom_id: b.customId,
      label: b.label,
      style: STYLES[b.style],
      ...(b.emoji === undefined ? {} : { emoji: { name: b.emoji } }),
      ...(b.disabled === undefined ? {} : { disabled: b.disabled }),
    })),
  };
}

function toFile(file: ViewFile): AttachmentPayload {
  return { attachment: file.data, name: file.name };
}
