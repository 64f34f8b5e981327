import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from '../discord/caller.ts';
import { roleSettingName, SETTABLE_ROLES } from '../workflows/index.ts';
import type { ChannelSettings } from '../store/channel-settings.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { defaultProblem } from './channel-defaults.ts';
import { parseSize } from './size-option.ts';
import { AdminOnlyError, SettingInvalidError, SettingsEmptyError } from './command-errors.ts';

export function describeSettings(settings: ChannelSettings): string {
  const parts: string[] = [];
  if (settings.template !== undefined) parts.push(`template **${settings.template}**`);
  if (settings.size !== undefined) parts.push(`size **${settings.size.width}x${settings.size.height}**`);
  if (settings.steps !== undefined) parts.push(`steps **${settings.steps}**`);
  if (settings.spoiler !== undefined) parts.push(`results as spoilers **${settings.spoiler ? 'yes' : 'no'}**`);
  for (const role of SETTABLE_ROLES) {
    const name = settings.roles?.[role];
    if (name !== undefined) parts.push(`${role} template **${name}**`);
  }
  return parts.length === 0 ? 'no channel defaults (the templates\' own apply)' : parts.join(', ');
}

/** `/settings show|set|clear`: per-channel defaults, admins only, kept in the store. */
async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
  const requester = await requesterOf(interaction, context);
  if (!requester.isAdmin) throw new AdminOnlyError('change channel settings', requester.userId);
  const channelId = interaction.channelId;
  const settings = context.settings;
  const reply = (content: string) => interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  switch (interaction.options.getSubcommand()) {
    case 'show':
      await reply(`Defaults in <#${channelId}>: ${describeSettings(settings.get(channelId))}.`);
      return;
    case 'clear':
      settings.clear(channelId);
      await reply(`Cleared the defaults of <#${channelId}>.`);
      return;
    default: {
      const update: ChannelSettings = {};
      const template = interaction.options.getString('template');
      if (template !== null) update.template = context.templates.require(template).name;
      const size = interaction.options.getString('size');
      if (size !== null) update.size = parseSize(size);
      const steps = interaction.options.getInteger('steps');
      if (steps !== null) update.steps = steps;
      const spoiler = interaction.options.getBoolean('spoiler');
      if (spoiler !== null) update.spoiler = spoiler;
      const roles = roleChoices(interaction, context);
      if (roles !== null) update.roles = { ...settings.get(channelId).roles, ...roles };
      if (Object.keys(update).length === 0) throw new SettingsEmptyError(['template', 'size', 'steps', 'spoiler', ...SETTABLE_ROLES.map(roleSettingName)]);
      // The same rules as the command: the values must be ones the channel's template takes.
      const merged = { ...settings.get(channelId), ...update };
      const filled = merged.template === undefined ? context.jobs.defaultTemplate('txt2img') : context.templates.require(merged.template);
      const problem = defaultProblem(merged, filled);
      if (problem) throw new SettingInvalidError(`${problem.reason} (template '${filled.name}')`, { setting: problem.key });
      settings.set(channelId, interaction.guildId, update);
      context.logger.info({ channelId, by: requester.userId, update }, 'channel defaults changed');
      await reply(`Defaults in <#${channelId}> now: ${describeSettings(settings.get(channelId))}.`);
      return;
    }
  }
}

export const settingsCommand: SlashCommand = { name: 'settings', execute };

/** The `<role>_template` options given: each an installed template of that role, else refused naming the option. */
function roleChoices(interaction: ChatInputCommandInteraction, context: CommandContext): NonNullable<ChannelSettings['roles']> | null {
  const chosen: NonNullable<ChannelSettings['roles']> = {};
  for (const role of SETTABLE_ROLES) {
    const name = interaction.options.getString(roleSettingName(role));
    if (name === null) continue;
    const template = context.templates.require(name);
    if (template.role !== role) {
      throw new SettingInvalidError(`'${template.name}' is a ${template.role} template, not ${role}`, { setting: roleSettingName(role) });
    }
    chosen[role] = template.name;
  }
  return Object.keys(chosen).length === 0 ? null : chosen;
}
