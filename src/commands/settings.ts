import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { roleSettingName, SETTABLE_ROLES } from '../workflows/index.ts';
import type { ChannelSettings } from '../store/channel-settings.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { defaultProblem } from './channel-defaults.ts';
import { parseSize } from './size-option.ts';
import { AdminOnlyError, SettingInvalidError, SettingsEmptyError } from './command-errors.ts';

/** The settings in words; `fromServer` marks what a channel takes from its server's defaults. */
export function describeSettings(settings: ChannelSettings, fromServer: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  const add = (key: string, text: string) => parts.push(fromServer.has(key) ? `${text} (from the server)` : text);
  if (settings.template !== undefined) add('template', `template **${settings.template}**`);
  if (settings.size !== undefined) add('size', `size **${settings.size.width}x${settings.size.height}**`);
  if (settings.steps !== undefined) add('steps', `steps **${settings.steps}**`);
  if (settings.spoiler !== undefined) add('spoiler', `results as spoilers **${settings.spoiler ? 'yes' : 'no'}**`);
  for (const role of SETTABLE_ROLES) {
    const name = settings.roles?.[role];
    if (name !== undefined) add(role, `${role} template **${name}**`);
  }
  return parts.length === 0 ? 'no channel defaults (the templates\' own apply)' : parts.join(', ');
}

type Scope = 'channel' | 'server';

/** The defaults one scope stores: the channel's own, or its guild's (ChannelSettingsStore.getServer). */
interface ScopeTarget {
  get(): ChannelSettings;
  set(update: ChannelSettings): void;
  clear(): void;
  /** The replies' subject, "Server defaults" or "Defaults in <#channel>". */
  label: string;
  /** The values in force in words, read when asked (after a change, the new ones). */
  describe(): string;
}

function targetOf(scope: Scope, channelId: string, guildId: string, store: CommandContext['settings']): ScopeTarget {
  if (scope === 'server') {
    return {
      get: () => store.getServer(guildId),
      set: (update) => store.setServer(guildId, update),
      clear: () => store.clearServer(guildId),
      label: 'Server defaults',
      describe: () => {
        const own = store.getServer(guildId);
        return Object.keys(own).length === 0 ? 'none (the channels\' and templates\' own apply)' : describeSettings(own);
      },
    };
  }
  return {
    get: () => store.get(channelId),
    set: (update) => store.set(channelId, guildId, update),
    clear: () => store.clear(channelId),
    label: `Defaults in <#${channelId}>`,
    describe: () => {
      const { settings, fromServer } = store.inPlace(channelId, guildId);
      return describeSettings(settings, fromServer);
    },
  };
}

/**
 * `/settings show|set|clear [scope]`: defaults for new jobs, admins only, kept in the store;
 * `scope:server` the guild's own, which its channels take where they set nothing (ChannelSettingsStore.inPlace).
 */
async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
  const requester = await requesterOf(interaction, context);
  const scope: Scope = interaction.options.getString('scope') === 'server' ? 'server' : 'channel';
  // Admin rights exist only in a guild (requesterOf), and /settings is offered only there.
  const guildId = interaction.guildId;
  if (!requester.isAdmin || guildId === null) throw new AdminOnlyError(`change ${scope} settings`, requester.userId);
  const target = targetOf(scope, interaction.channelId, guildId, context.settings);
  const reply = (content: string) => interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  switch (interaction.options.getSubcommand()) {
    case 'show':
      await reply(`${target.label}: ${target.describe()}.`);
      return;
    case 'clear':
      target.clear();
      await reply(scope === 'server' ? 'Cleared the server defaults.' : `Cleared the defaults of <#${interaction.channelId}>.`);
      return;
    default: {
      const stored = target.get();
      const update = updateFrom(interaction, context, stored);
      // The same rules as the command: the values must be ones the scope's template takes.
      const merged = { ...stored, ...update };
      const filled = merged.template === undefined ? context.jobs.defaultTemplate('txt2img') : context.templates.require(merged.template);
      const problem = defaultProblem(merged, filled);
      if (problem) throw new SettingInvalidError(`${problem.reason} (template '${filled.name}')`, { setting: problem.key });
      target.set(update);
      context.logger.info({ scope, channelId: interaction.channelId, guildId, by: requester.userId, update }, `${scope} defaults changed`);
      await reply(`${target.label} now: ${target.describe()}.`);
      return;
    }
  }
}

/** The values `/settings set` was given, each checked as the command would; refused when none. */
function updateFrom(interaction: ChatInputCommandInteraction, context: CommandContext, stored: ChannelSettings): ChannelSettings {
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
  if (roles !== null) update.roles = { ...stored.roles, ...roles };
  if (Object.keys(update).length === 0) throw new SettingsEmptyError(['template', 'size', 'steps', 'spoiler', ...SETTABLE_ROLES.map(roleSettingName)]);
  return update;
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
