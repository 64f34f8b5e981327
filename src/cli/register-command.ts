import { REST, Routes, type APIApplication } from 'discord.js';
import { buildCommandDefinitions } from '../commands/command-definitions.ts';
import type { RegisterSettings } from '../config.ts';
import { loginFailure, requireToken } from '../discord/discord-client.ts';
import { commandRoute } from '../discord/register-commands.ts';
import type { Logger } from '../log.ts';
import { loadTemplateSet } from '../workflows/template-folder.ts';

/** `comfycord register`: puts the command list to DISCORD_GUILD_ID (instant) or globally. */
export async function runRegister(config: RegisterSettings, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const token = requireToken(config);
  const templates = await loadTemplateSet(config.workflowsDir);
  templates.throwIfInvalid();
  const rest = new REST({ ...(config.discord.apiBase ? { api: config.discord.apiBase } : {}) }).setToken(token);
  let application: APIApplication;
  try {
    application = (await rest.get(Routes.currentApplication())) as APIApplication;
  } catch (error) {
    throw loginFailure(error);
  }
  const body = buildCommandDefinitions(templates, { allowDms: config.access.allowDms });
  const guildId = config.discord.guildId;
  await rest.put(commandRoute(application.id, guildId), { body });
  logger.info({ commands: body.length, guildId, applicationId: application.id }, 'commands registered');
  out.write(
    guildId
      ? `Registered ${body.length} commands to server ${guildId}; they are usable now.\n`
      : `Registered ${body.length} commands globally; they appear in every server the bot is in.\n`,
  );
}
