import { createHash } from 'node:crypto';
import { REST, Routes, type APIApplication, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import { loadTemplateSet } from '../workflows/template-folder.ts';
import type { RegisterSettings } from '../config.ts';
import type { Logger } from '../log.ts';
import { buildCommandDefinitions } from './command-definitions.ts';
import { loginFailure, requireToken } from './discord-client.ts';

/** Where commands go: DISCORD_GUILD_ID (instant) or global (Discord spreads them within an hour). */
export function commandRoute(applicationId: string, guildId: string | null): `/${string}` {
  return guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
}

/** Key under which the last registration's hash is kept: one per application and scope. */
export function registrationScope(applicationId: string, guildId: string | null): string {
  return `${applicationId}:${guildId ?? 'global'}`;
}

/** A stable digest of the definitions (key order as built, which buildCommandDefinitions fixes). */
export function definitionsHash(body: readonly RESTPostAPIApplicationCommandsJSONBody[]): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

/** What was last registered per scope: kept by the store (store/command-registrations.ts), which the app hands in. */
export interface RegistrationRecord {
  lastHash(scope: string): string | null;
  record(scope: string, hash: string): void;
}

export interface AutoRegisterOptions {
  rest: REST;
  applicationId: string;
  guildId: string | null;
  body: RESTPostAPIApplicationCommandsJSONBody[];
  registrations: RegistrationRecord;
  logger: Logger;
}

/**
 * Start-up registration: PUTs the definitions only when their hash differs from the one
 * recorded after the last successful PUT to the same scope. Returns whether it registered.
 */
export async function registerIfChanged(options: AutoRegisterOptions): Promise<boolean> {
  const { rest, applicationId, guildId, body, registrations, logger } = options;
  const scope = registrationScope(applicationId, guildId);
  const hash = definitionsHash(body);
  if (registrations.lastHash(scope) === hash) {
    logger.debug({ guildId, commands: body.length }, 'commands unchanged since the last registration');
    return false;
  }
  await rest.put(commandRoute(applicationId, guildId), { body });
  registrations.record(scope, hash);
  logger.info(
    { commands: body.length, guildId, applicationId },
    guildId ? `registered ${body.length} commands to server ${guildId}` : `registered ${body.length} commands globally (Discord may take up to an hour to show them)`,
  );
  return true;
}

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
