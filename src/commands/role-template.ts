import type { Template, TemplateRole } from '../workflows/index.ts';
import { StaleChannelDefaultError } from './channel-defaults.ts';
import { TemplateWrongRoleError } from './command-errors.ts';
import type { CommandContext } from './command-context.ts';
import type { Place } from './place.ts';

/**
 * The template a button or command of `role` runs here: the one an admin chose with
 * `/settings set <role>_template:` for this channel, else for its server (ChannelSettingsStore.inPlace),
 * still installed and still of that role; else the bot's own for the role (JobService.roleTemplate).
 */
export function roleTemplateIn(role: TemplateRole, place: Place, context: Pick<CommandContext, 'settings' | 'templates' | 'jobs'>): Template {
  const chosen = context.settings.inPlace(place.channelId, place.guildId).settings.roles?.[role];
  if (chosen === undefined) return context.jobs.roleTemplate(role);
  const template = context.templates.get(chosen);
  if (template === undefined) throw new StaleChannelDefaultError(`${role} template`, `there is no template '${chosen}' any more`);
  if (template.role !== role) throw new StaleChannelDefaultError(`${role} template`, `'${chosen}' is now a ${template.role} template`);
  return template;
}

/**
 * The template a command of one role runs: the one the user named, refused when it is of
 * another role (an unknown name is startJob's to refuse), else the channel's (or server's) for the role.
 */
export function askedRoleTemplate(role: TemplateRole, asked: string | null, command: Place & { commandName: string }, context: Pick<CommandContext, 'settings' | 'templates' | 'jobs'>): string {
  if (asked === null) return roleTemplateIn(role, command, context).name;
  const template = context.templates.get(asked);
  if (template !== undefined && template.role !== role) throw new TemplateWrongRoleError(command.commandName, template.name, role, template.role);
  return asked;
}
