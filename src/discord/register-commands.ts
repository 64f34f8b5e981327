import { REST, Routes, type APIApplication } from 'discord.js';
import { loadTemplateSet } from '../cli/template-source.ts';
import type { Config } from '../config.ts';
import { ComfycordError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { buildCommandDefinitions } from './command-definitions.ts';
import { requireToken } from './discord-client.ts';

/** `comfycord register`: puts the command list to DISCORD_GUILD_ID (instant) or globally. */
export async function runRegister(config: Config, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const token = requireToken(config);
  const templates = await loadTemplateSet(config.workflowsDir);
  templates.throwIfInvalid();
  const rest = new REST({ ...(config.discord.apiBase ? { api: config.discord.apiBase } : {}) }).setToken(token);
  let application: APIApplication;
  try {
    application = (await rest.get(Routes.currentApplication())) as APIApplication;
  } catch (error) {
    throw new ComfycordError('DISCORD_LOGIN', 'Discord refused the bot token. Check DISCORD_TOKEN (Bot tab → Reset Token).', { cause: error });
  }
  const body = buildCommandDefinitions(templates, { allowDms: config.access.allowDms });
  const guildId = config.discord.guildId;
  const route = guildId ? Routes.applicationGuildCommands(application.id, guildId) : Routes.applicationCommands(application.id);
  await rest.put(route, { body });
  logger.info({ commands: body.length, guildId, applicationId: application.id }, 'commands registered');
  out.write(
    guildId
      ? `Registered ${body.length} commands to server ${guildId}; they are usable now.\n`
      : `Registered ${body.length} commands globally; they appear in every server the bot is in.\n`,
  );
}
