import {
  ApplicationCommandOptionType,
  type APIApplicationCommandInteractionDataOption,
  type APIAttachment,
  type APIUser,
} from 'discord.js';
import { mintSnowflake } from './snowflakes.ts';

/**
 * Command options for the payload builders. Each helper returns the option as Discord
 * sends it; attachment options also carry the attachment that goes into
 * `data.resolved.attachments`.
 */
export interface OptionInput {
  option: APIApplicationCommandInteractionDataOption;
  resolvedAttachments: APIAttachment[];
  /** Users a user option names, for `data.resolved.users`. */
  resolvedUsers?: APIUser[];
}

type FocusFlag = { focused?: boolean };

function basic(name: string, type: ApplicationCommandOptionType, value: string | number | boolean, flags: FocusFlag): OptionInput {
  const option = { name, type, value, ...(flags.focused ? { focused: true } : {}) } as APIApplicationCommandInteractionDataOption;
  return { option, resolvedAttachments: [] };
}

export const commandOption = {
  string: (name: string, value: string, flags: FocusFlag = {}) => basic(name, ApplicationCommandOptionType.String, value, flags),
  integer: (name: string, value: number, flags: FocusFlag = {}) => basic(name, ApplicationCommandOptionType.Integer, value, flags),
  number: (name: string, value: number, flags: FocusFlag = {}) => basic(name, ApplicationCommandOptionType.Number, value, flags),
  boolean: (name: string, value: boolean) => basic(name, ApplicationCommandOptionType.Boolean, value, {}),
  /** The option's value is the attachment id; the attachment itself goes into `resolved`. */
  attachment: (name: string, attachment: APIAttachment): OptionInput => ({
    option: { name, type: ApplicationCommandOptionType.Attachment, value: attachment.id },
    resolvedAttachments: [attachment],
  }),
  /** The option's value is the user id; the user goes into `resolved.users`. */
  user: (name: string, user: APIUser): OptionInput => ({
    option: { name, type: ApplicationCommandOptionType.User, value: user.id },
    resolvedAttachments: [],
    resolvedUsers: [user],
  }),
  subcommand: (name: string, options: OptionInput[] = []): OptionInput => ({
    option: { name, type: ApplicationCommandOptionType.Subcommand, options: options.map((input) => input.option) } as APIApplicationCommandInteractionDataOption,
    resolvedAttachments: options.flatMap((input) => input.resolvedAttachments),
  }),
  subcommandGroup: (name: string, subcommands: OptionInput[]): OptionInput => ({
    option: { name, type: ApplicationCommandOptionType.SubcommandGroup, options: subcommands.map((input) => input.option) } as APIApplicationCommandInteractionDataOption,
    resolvedAttachments: subcommands.flatMap((input) => input.resolvedAttachments),
  }),
};

/**
 * A person's upload as Discord describes it in an attachment option: a file on a URL the
 * test controls (its own HTTP server, or `DiscordRestStandin.hostAttachment`).
 */
export function uploadedAttachment(file: {
  url: string;
  filename: string;
  contentType: string;
  size: number;
  width?: number;
  height?: number;
}): APIAttachment {
  const attachment: APIAttachment = {
    id: mintSnowflake(),
    filename: file.filename,
    size: file.size,
    url: file.url,
    proxy_url: file.url,
    content_type: file.contentType,
    ephemeral: true,
  };
  if (file.width !== undefined) attachment.width = file.width;
  if (file.height !== undefined) attachment.height = file.height;
  return attachment;
}

export function collectOptions(inputs: readonly OptionInput[]): {
  options: APIApplicationCommandInteractionDataOption[];
  attachments: Record<string, APIAttachment>;
  users: Record<string, APIUser>;
} {
  const attachments = Object.fromEntries(inputs.flatMap((input) => input.resolvedAttachments).map((attachment) => [attachment.id, attachment]));
  const users = Object.fromEntries(inputs.flatMap((input) => input.resolvedUsers ?? []).map((user) => [user.id, user]));
  return { options: inputs.map((input) => input.option), attachments, users };
}
