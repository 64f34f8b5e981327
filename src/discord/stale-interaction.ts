import { ComfycordError } from '../errors.ts';
import type { DiscordErrorCode } from './error-codes.ts';

/**
 * An interaction this bot version cannot read: a component or form whose custom_id no
 * handler owns, or a command option of another type than the definition says (an old
 * registration, or a forged payload). Not a bug of the bot, not the user's fault either:
 * they get a short ephemeral answer and the log a warn line without a stack.
 */
export class StaleInteractionError extends ComfycordError<DiscordErrorCode> {
  constructor(context: Record<string, unknown>) {
    super('INTERACTION_STALE', 'This is no longer valid: the bot changed since Discord showed it. Run the command again.', { context });
  }
}

/** discord.js's codes for an option or form field that is missing or of another type than asked for. */
const OPTION_SHAPE_CODES = new Set([
  'CommandInteractionOptionType',
  'CommandInteractionOptionEmpty',
  'CommandInteractionOptionNotFound',
  'CommandInteractionOptionNoSubcommand',
  'CommandInteractionOptionNoSubcommandGroup',
  'CommandInteractionOptionInvalidChannelType',
  'ModalSubmitInteractionFieldType',
  'ModalSubmitInteractionFieldEmpty',
  'ModalSubmitInteractionFieldNotFound',
  'ModalSubmitInteractionFieldInvalidChannelType',
]);

/** The StaleInteractionError for a discord.js option-shape error, or null for anything else. */
export function staleFromOptionError(error: unknown): StaleInteractionError | null {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string' || !OPTION_SHAPE_CODES.has(error.code)) return null;
  return new StaleInteractionError({ djsCode: error.code, detail: error.message.slice(0, 200) });
}

/** Refusals that mean "this interaction is from another bot version": logged at warn. */
export const STALE_CODES: ReadonlySet<string> = new Set(['INTERACTION_STALE', 'BUTTON_INVALID']);
