import {
  MessageFlags,
  type AutocompleteInteraction,
  type BaseInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type RepliableInteraction,
} from 'discord.js';
import { DiskFullError } from '../disk-full.ts';
import { isComfycordError, userMessageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redactRequestError } from '../redact/request-error.ts';
import { STALE_CODES, StaleInteractionError, staleFromOptionError } from './stale-interaction.ts';

/**
 * The handlers the router dispatches to, generic over the context they are handed:
 * this transport knows the shape of a handler, not the command modules (they sit
 * above it and are wired in by the bot's composition root).
 */
export interface RouterTable<C> {
  slash: ReadonlyArray<{
    readonly name: string;
    execute(interaction: ChatInputCommandInteraction, context: C): Promise<void>;
    autocomplete?(interaction: AutocompleteInteraction, context: C): Promise<void>;
  }>;
  messageMenus: ReadonlyArray<{ readonly name: string; execute(interaction: MessageContextMenuCommandInteraction, context: C): Promise<void> }>;
  /** Each handles the modals whose custom_id starts with `prefix:`. */
  modals: ReadonlyArray<{ readonly prefix: string; execute(interaction: ModalSubmitInteraction, context: C): Promise<void> }>;
  buttons: { execute(interaction: ButtonInteraction, context: C): Promise<void> };
}

/**
 * One entry for every interaction: finds its handler and turns any failure into a
 * reply the user can read (ephemeral when nothing public was sent yet) plus one
 * structured log line. A handler never crashes the bot.
 */
export class InteractionRouter<C extends { logger: Logger }> {
  readonly #slash: Map<string, RouterTable<C>['slash'][number]>;
  readonly #menus: Map<string, RouterTable<C>['messageMenus'][number]>;
  readonly #modals: RouterTable<C>['modals'];
  readonly #buttons: RouterTable<C>['buttons'];
  readonly #context: C;

  constructor(table: RouterTable<C>, context: C) {
    this.#slash = new Map(table.slash.map((command) => [command.name, command]));
    this.#menus = new Map(table.messageMenus.map((command) => [command.name, command]));
    this.#modals = table.modals;
    this.#buttons = table.buttons;
    this.#context = context;
  }

  async handle(interaction: Interaction): Promise<void> {
    const started = Date.now();
    try {
      if (interaction.isAutocomplete()) {
        await this.#slash.get(interaction.commandName)?.autocomplete?.(interaction, this.#context);
      } else if (interaction.isChatInputCommand()) {
        const command = this.#slash.get(interaction.commandName);
        if (command) await command.execute(interaction, this.#context);
        else await this.#refuse(interaction, 'That command is not known to this bot version. An admin may need to run `comfycord register`.');
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = this.#menus.get(interaction.commandName);
        if (command) await command.execute(interaction, this.#context);
        else await this.#refuse(interaction, 'That command is not known to this bot version. An admin may need to run `comfycord register`.');
      } else if (interaction.isModalSubmit()) {
        const handler = this.#modals.find((candidate) => interaction.customId.startsWith(`${candidate.prefix}:`));
        if (!handler) throw new StaleInteractionError({ customId: interaction.customId.slice(0, 100) });
        await handler.execute(interaction, this.#context);
      } else if (interaction.isButton()) {
        await this.#buttons.execute(interaction, this.#context);
      } else if (interaction.isMessageComponent()) {
        // No select menu or other component is ever sent by this bot version.
        throw new StaleInteractionError({ customId: interaction.customId.slice(0, 100) });
      }
    } catch (error) {
      // A failed Discord call's error names the interaction token in its URL; it is logged below.
      await this.#fail(interaction, staleFromOptionError(error) ?? redactRequestError(error));
    } finally {
      this.#context.logger.debug({ interactionId: interaction.id, type: interaction.type, ms: Date.now() - started }, 'interaction handled');
    }
  }

  async #fail(interaction: BaseInteraction, error: unknown): Promise<void> {
    const context = { interactionId: interaction.id, userId: interaction.user.id, command: commandOf(interaction) };
    if (isComfycordError(error) && STALE_CODES.has(error.code)) {
      this.#context.logger.warn({ ...context, code: error.code, ...error.context }, 'interaction no longer valid (another bot version, or a forged payload)');
    } else if (error instanceof DiskFullError) {
      // For the admin: which file could not be written (the user only reads that the disk is full).
      this.#context.logger.error({ ...context, code: error.code, ...error.context, err: error.cause }, `disk full: could not write ${String(error.context['path'])}`);
    } else if (isComfycordError(error)) this.#context.logger.info({ ...context, code: error.code, ...error.context }, 'request refused');
    else this.#context.logger.error({ ...context, err: error }, 'interaction handler failed');
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]).catch(() => undefined);
      return;
    }
    if (interaction.isRepliable()) await this.#refuse(interaction, userMessageOf(error));
  }

  /** Ephemeral when possible; if a public deferral is showing, it is replaced by the error. */
  async #refuse(interaction: RepliableInteraction, message: string): Promise<void> {
    const content = `⚠️ ${message}`.slice(0, 2000);
    try {
      if (!interaction.deferred && !interaction.replied) {
        await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      } else if (interaction.ephemeral) {
        await interaction.editReply({ content, embeds: [], components: [], files: [], allowedMentions: { parse: [] } });
      } else {
        await interaction.deleteReply().catch(() => undefined);
        await interaction.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      }
    } catch (error) {
      this.#context.logger.warn({ interactionId: interaction.id, err: redactRequestError(error) }, 'could not tell the user about a failure');
    }
  }
}

function commandOf(interaction: BaseInteraction): string | null {
  if (interaction.isCommand() || interaction.isAutocomplete()) return interaction.commandName;
  if (interaction.isMessageComponent() || interaction.isModalSubmit()) return interaction.customId;
  return null;
}
