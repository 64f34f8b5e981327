import { createHash } from 'node:crypto';
import { Routes, type REST, type RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from '../log.ts';

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
